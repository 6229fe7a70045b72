export function mountConsole(..._a: unknown[]) {}
