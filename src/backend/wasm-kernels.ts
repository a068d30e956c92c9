// Kernels the stock wasm backend lacks or gets wrong. (Work in progress: filled in by the engine issue.)
let registered = false;

export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
}
