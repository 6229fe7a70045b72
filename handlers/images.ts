// Pictures a message refers to by `ref` that Huying draws itself (the monthly bulletin's chart):
// every adapter asks here for the bytes, then shows them its own way (an uploaded image on Lark,
// a file on WeChat, an inline picture in the simulator).
import type { Ctx } from './context.ts';

export interface ImageFile {
  bytes: Buffer;
  /** ASCII, with its extension: platforms show it, and some mangle anything else */
  filename: string;
  mime: 'image/png';
}

/** The picture behind a ref, or null when the ref names nothing Huying draws. */
export type ImageSource = (ref: string) => Promise<ImageFile | null>;

const DRAWN = 'chart:';

/** Whether a ref names a picture Huying draws (any platform can show it), not a platform's photo. */
export const isDrawnPicture = (ref: string) => ref.startsWith(DRAWN);

/** Huying's own pictures, drawn on request from the database (nothing to store or expire). */
export function generatedImages(ctx: Ctx): ImageSource {
  return async (ref) => {
    if (!isDrawnPicture(ref)) return null;
    // loaded when first drawn: the charting library and its native canvas are heavy
    const { resolveChartRef } = await import('./reports/bulletin.ts');
    const bytes = await resolveChartRef(ctx, ref);
    if (!bytes) return null;
    return {
      bytes,
      filename: `huying-${ref.slice(DRAWN.length).replace(/[^\w-]+/g, '-')}.png`,
      mime: 'image/png',
    };
  };
}
