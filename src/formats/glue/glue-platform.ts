// Maps CPU architecture names from Glance, Nova and the kernel onto GLUE 2.1 Platform_t words.

const PLATFORM_BY_ARCH: Readonly<Record<string, string>> = {
  x86_64: 'amd64',
  amd64: 'amd64',
  x64: 'amd64',
  'x86-64': 'amd64',
  i386: 'i386',
  i486: 'i386',
  i586: 'i386',
  i686: 'i386',
  x86: 'i386',
  aarch64: 'arm64',
  arm64: 'arm64',
  ia64: 'itanium',
  itanium: 'itanium',
  sparc: 'sparc',
  sparc64: 'sparc',
  ppc: 'powerpc',
  powerpc: 'powerpc',
};

/**
 * The GLUE 2.1 Platform_t word for a CPU architecture name, or `undefined` when none is given.
 *
 * Glance's `architecture` uses kernel names (`x86_64`) while GLUE uses `amd64`;
 * cloud-info-provider 1.x wrote both words side by side. Known aliases map onto
 * the GLUE word; other names (e.g. `ppc64le`, `riscv64`) pass through lower-cased,
 * since Platform_t is an open enumeration.
 * @example normalizeGluePlatform('x86_64') // 'amd64'
 */
export function normalizeGluePlatform(architecture: string | undefined): string | undefined {
  const key = architecture?.trim().toLowerCase();
  if (!key) return undefined;
  return PLATFORM_BY_ARCH[key] ?? key;
}
