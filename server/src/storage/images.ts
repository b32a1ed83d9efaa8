import type { Metadata } from 'sharp';

/** Raster images a browser shows inline; every other type (SVG, HTML, PDF…) is only downloaded. */
export const INLINE_IMAGE_TYPES = new Set(['image/jpeg', 'image/png', 'image/gif', 'image/webp', 'image/avif']);

/** The long side of a thumbnail, at most. */
export const THUMBNAIL_MAX_SIDE = 320;
export const THUMBNAIL_TYPE = 'image/webp';

export class ImageRefusal extends Error {}

/** sharp and libvips (about 20 MiB resident), loaded at the first image, not at start. */
let loading: Promise<typeof import('sharp')> | undefined;
const loadSharp = async () => (await (loading ??= import('sharp'))).default;

/**
 * An image's width and height as shown (EXIF orientation applied) and a WebP thumbnail of at most
 * 320 px on its long side, made with sharp (libvips) from the file. The pixel count is read from the
 * header first: an image over `maxPixels` is refused before anything is decoded.
 */
export async function describeImage(
  path: string,
  maxPixels: number,
): Promise<{ width: number; height: number; thumbnail: Buffer }> {
  const sharp = await loadSharp();
  let meta: Metadata;
  try {
    // Only the header is read; the pixel limit is ours, below.
    meta = await sharp(path, { limitInputPixels: false }).metadata();
  } catch {
    throw new ImageRefusal('is not a readable image');
  }
  const { width, height } = meta.autoOrient ?? meta;
  if (!width || !height) throw new ImageRefusal('is not a readable image');
  const pages = meta.pages ?? 1;
  if (width * height * pages > maxPixels) {
    throw new ImageRefusal(
      `has too many pixels (${width}×${height}${pages > 1 ? `×${pages}` : ''}; at most ${maxPixels})`,
    );
  }
  try {
    const thumbnail = await sharp(path, { limitInputPixels: maxPixels })
      .autoOrient()
      .resize(THUMBNAIL_MAX_SIDE, THUMBNAIL_MAX_SIDE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 })
      .toBuffer();
    return { width, height, thumbnail };
  } catch {
    throw new ImageRefusal('is not a readable image');
  }
}
