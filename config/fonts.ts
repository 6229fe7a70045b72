// The CJK font Huying ships (Noto Sans SC, from npm), for what it draws itself (the bulletin's
// chart) and for the simulator page on machines without a Chinese system font.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type CjkWeight = 'Regular' | 'Bold';

/** The OpenType file of a weight. The package exports only its JS entry: the fonts sit beside it. */
export function cjkFontPath(weight: CjkWeight): string {
  const entry = createRequire(import.meta.url).resolve('@embedpdf/fonts-sc');
  return join(dirname(entry), '..', 'fonts', `NotoSansHans-${weight}.otf`);
}
