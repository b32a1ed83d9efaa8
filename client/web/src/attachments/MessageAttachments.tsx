import { useEffect, useRef, useState, type MouseEvent } from 'react';
import { useClient } from 'urql';
import { FileIcon } from './icons';
import { describeType, formatSize, isExpired, isInlineImage, refreshUrls, type Attachment } from './data';
import './attachments.css';

/** The long side of a thumbnail as shown (the server makes them at most 320 px). */
const THUMB_PX = 200;

/** A thumbnail's shown size, kept in proportion, so the list does not jump as images load. */
function thumbSize(attachment: Attachment): { width?: number; height?: number } {
  const { width, height } = attachment;
  if (!width || !height) return {};
  const scale = Math.min(1, THUMB_PX / Math.max(width, height));
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** New URLs at most this many times in a row without one that loads (a file that is gone stays gone). */
const REFRESHES = 2;

/**
 * A signed URL that works: when one is refused (it expired: the page was open a long time), the
 * attachment is read again, and the cache hands every view of it the new URLs. `loaded` says one
 * worked.
 */
function useRefresh(attachment: Attachment) {
  const client = useClient();
  const tries = useRef(0);
  const refresh = async (): Promise<Attachment> => {
    if (tries.current >= REFRESHES) return attachment;
    tries.current++;
    const fresh = await refreshUrls(client, attachment.id);
    return fresh ? { ...attachment, ...fresh } : attachment;
  };
  return { refresh, loaded: () => void (tries.current = 0) };
}

/** A message's files: images as thumbnails that open full size, everything else as a download. */
export function MessageAttachments({ attachments }: { attachments: readonly Attachment[] }) {
  const [openId, setOpenId] = useState<string | null>(null);
  if (attachments.length === 0) return null;
  const open = attachments.find((a) => a.id === openId);
  const images = attachments.filter(isInlineImage);
  const files = attachments.filter((a) => !isInlineImage(a));
  return (
    <div className="attachments">
      {images.length > 0 && (
        <div className="attachment-images" role="group" aria-label="Images">
          {images.map((image) => (
            <Thumbnail key={image.id} image={image} onOpen={() => setOpenId(image.id)} />
          ))}
        </div>
      )}
      {files.length > 0 && (
        <div className="attachment-files" role="group" aria-label="Files">
          {files.map((file) => (
            <FileLink key={file.id} file={file} />
          ))}
        </div>
      )}
      {open && <Lightbox image={open} onClose={() => setOpenId(null)} />}
    </div>
  );
}

function Thumbnail({ image, onOpen }: { image: Attachment; onOpen(): void }) {
  const { refresh, loaded } = useRefresh(image);
  return (
    <button type="button" className="attachment-thumb" onClick={onOpen}>
      <img
        src={image.thumbnailUrl ?? image.url}
        alt={image.filename}
        {...thumbSize(image)}
        loading="lazy"
        onLoad={loaded}
        onError={() => void refresh()}
      />
      <span className="visually-hidden">Open the full image</span>
    </button>
  );
}

/** A download link: name, type and size; a link about to expire is renewed before it is followed. */
function FileLink({ file }: { file: Attachment }) {
  const { refresh } = useRefresh(file);
  const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
    if (!isExpired(file.url)) return;
    event.preventDefault();
    void refresh().then((fresh) => window.location.assign(fresh.url));
  };
  return (
    <a className="attachment-file" href={file.url} download={file.filename} onClick={onClick}>
      <FileIcon />
      <span className="details">
        <span className="name">{file.filename}</span>
        <span className="hint">
          {describeType(file.contentType)} · {formatSize(file.size)}
        </span>
      </span>
      <span className="visually-hidden"> (download)</span>
    </a>
  );
}

/**
 * The full image in a modal dialog: Escape, the Close button or a click beside the image closes
 * it, and focus goes back to the thumbnail that opened it.
 */
function Lightbox({ image, onClose }: { image: Attachment; onClose(): void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLElement | null>(null);
  const { refresh, loaded } = useRefresh(image);
  // Leaving the DOM takes it off the screen: it is never closed but by `close`.
  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    opener.current ??= document.activeElement as HTMLElement | null;
    if (!element.open) element.showModal();
  }, []);
  const closed = useRef(false);
  const close = () => {
    if (closed.current) return;
    closed.current = true;
    // Closed first: focus cannot go back to the page while it is modal.
    if (dialog.current?.open) dialog.current.close();
    opener.current?.focus();
    onClose();
  };
  // A link opened after it expired is renewed first (the cache then shows the new one).
  const expired = isExpired(image.url);
  useEffect(() => {
    if (expired) void refresh();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once per expired link
  }, [expired]);
  return (
    <dialog
      ref={dialog}
      className="lightbox"
      aria-label={image.filename}
      onCancel={(event) => {
        event.preventDefault();
        close();
      }}
      onClose={close}
      onClick={(event) => {
        if (event.target === event.currentTarget) close();
      }}
    >
      <figure>
        <img
          src={image.url}
          alt={image.filename}
          width={image.width ?? undefined}
          height={image.height ?? undefined}
          onLoad={loaded}
          onError={() => void refresh()}
        />
        <figcaption>
          <span className="name">{image.filename}</span>{' '}
          <span className="hint">
            {image.width && image.height ? `${image.width} × ${image.height} · ` : ''}
            {formatSize(image.size)}
          </span>{' '}
          <a href={image.url} download={image.filename}>
            Download
          </a>{' '}
          <button type="button" className="small" onClick={close} autoFocus>
            Close
          </button>
        </figcaption>
      </figure>
    </dialog>
  );
}
