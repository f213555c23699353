// janode ships no types: its entry point and plugins as janus/janode.ts uses them.
declare module 'janode' {
  const janode: import('./janode').Janode;
  export default janode;
}
declare module 'janode/plugins/streaming' {
  const plugin: { id: string; Handle: unknown };
  export default plugin;
}
declare module 'janode/plugins/videoroom' {
  const plugin: { id: string; Handle: unknown };
  export default plugin;
}
