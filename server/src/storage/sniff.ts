import { open } from 'node:fs/promises';
import { fileTypeFromFile, supportedMimeTypes } from 'file-type';

/** Declarations that say nothing about the type. */
const GENERIC = new Set(['', 'application/octet-stream', 'binary/octet-stream', 'application/unknown']);
/** Other names clients use for a type file-type names. */
const ALIASES: Record<string, string> = {
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
  'image/x-png': 'image/png',
  'application/x-zip-compressed': 'application/zip',
  'application/x-pdf': 'application/pdf',
  'audio/mp3': 'audio/mpeg',
};

/** How much of a file is read to tell text from binary. */
const TEXT_PROBE_BYTES = 8192;

/**
 * The type of a file from its bytes (file-type's signatures; UTF-8 without NULs is text/plain;
 * anything else application/octet-stream), and whether the client's declaration disagrees: it
 * does when it names a specific type other than the sniffed one that the bytes could have shown
 * (a PNG declared as a JPEG, a text file declared as a PNG). Declarations of types sniffing cannot
 * tell (text/csv, text/html for text) are not disagreements; the stored type is the sniffed one.
 */
export async function sniffType(path: string, declared: string): Promise<{ type: string; disagrees: boolean }> {
  const detected = await fileTypeFromFile(path);
  const type = detected?.mime ?? ((await isText(path)) ? 'text/plain' : 'application/octet-stream');
  const claimed = declared.split(';')[0]!.trim().toLowerCase();
  const named = ALIASES[claimed] ?? claimed;
  const disagrees = !GENERIC.has(named) && named !== type && (detected !== undefined || supportedMimeTypes.has(named));
  return { type, disagrees };
}

async function isText(path: string): Promise<boolean> {
  const file = await open(path);
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(TEXT_PROBE_BYTES), 0, TEXT_PROBE_BYTES, 0);
    const head = buffer.subarray(0, bytesRead);
    if (head.includes(0)) return false;
    // `stream`: a character cut at the end of the probe is not an error.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  } finally {
    await file.close();
  }
}
