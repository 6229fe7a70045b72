// How the service's Node process is started (package.json's start script and the image's entry
// point say the same; test/packaging.test.ts holds them to it).

/**
 * V8's heap limits for the service. The old generation is held to 192 MiB (the live heap after a
 * flood is ~85 MiB) and each half of the young generation to 4 MiB (16 by default): V8 otherwise
 * grows the heap far ahead of what it keeps, and a district's server should stay under 250 MiB.
 */
export const SERVICE_NODE_FLAGS = ['--max-old-space-size=192', '--max-semi-space-size=4'] as const;

/**
 * The environment the service's process starts with. glibc's malloc gives each thread that
 * allocates an arena of its own (up to eight a core) and keeps their free memory apart; two
 * arenas kept the server's peaks under load 15–20 MiB lower (test/bench/footprint.bench.ts).
 */
export const SERVICE_ENV = { MALLOC_ARENA_MAX: '2' } as const;
