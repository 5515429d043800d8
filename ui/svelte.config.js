// Svelte 5 with runes everywhere; TypeScript in components is stripped by the Vite plugin.
export default {
  compilerOptions: { runes: true },
};
