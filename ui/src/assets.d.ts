// Vite turns an imported sound into its URL in the built app.
declare module '*.wav' {
  const url: string;
  export default url;
}
