// The one module entry: global styles, then the app.
import './app.css';
import { mount } from 'svelte';
import App from './components/App.svelte';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app');
mount(App, { target });
