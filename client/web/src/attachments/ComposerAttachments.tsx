import { useRef, type ClipboardEvent } from 'react';
import { FileIcon, PaperclipIcon } from './icons';
import { describeType, formatSize } from './data';
import { attachFiles, removeAttachment, useDraft, type PendingAttachment } from './draft';
import './attachments.css';

/**
 * The files of a clipboard paste, when it carries files and no text (a screenshot, a copied
 * image): those are attached rather than pasted. A paste with text (a spreadsheet's cells come as
 * text and a picture) stays a text paste.
 */
export function pastedFiles(event: ClipboardEvent): File[] {
  const data = event.clipboardData;
  if (data.types.includes('text/plain')) return [];
  return [...data.files];
}

/** The message box's "Attach files" button: a file picker (several at once). */
export function AttachButton({ draftKey, roomId, disabled }: { draftKey: string; roomId: string; disabled?: boolean }) {
  const input = useRef<HTMLInputElement>(null);
  const id = `${draftKey}-attach`;
  return (
    <>
      <button
        type="button"
        className="attach secondary"
        title="Attach files"
        disabled={disabled}
        onClick={() => input.current?.click()}
      >
        <PaperclipIcon />
        <span className="visually-hidden">Attach files</span>
      </button>
      <input
        id={id}
        ref={input}
        type="file"
        multiple
        hidden
        tabIndex={-1}
        onChange={(event) => {
          attachFiles(draftKey, roomId, [...(event.target.files ?? [])]);
          event.target.value = '';
        }}
      />
    </>
  );
}

/** The files waiting for the next message: a preview or name, progress while uploading, Remove. */
export function PendingAttachments({ draftKey }: { draftKey: string }) {
  const draft = useDraft(draftKey);
  if (draft.items.length === 0 && !draft.notice) return null;
  return (
    <div className="pending-attachments">
      {draft.items.length > 0 && (
        <ul aria-label="Files to send">
          {draft.items.map((item) => (
            <PendingItem key={item.key} item={item} onRemove={() => removeAttachment(draftKey, item.key)} />
          ))}
        </ul>
      )}
      {draft.notice && (
        <p className="error" role="alert">
          {draft.notice}
        </p>
      )}
    </div>
  );
}

function PendingItem({ item, onRemove }: { item: PendingAttachment; onRemove(): void }) {
  const percent = item.size > 0 ? Math.min(100, Math.round((item.loaded / item.size) * 100)) : 100;
  return (
    <li className={`pending-attachment ${item.status}`} aria-busy={item.status === 'uploading' || undefined}>
      {item.previewUrl ? <img src={item.previewUrl} alt="" className="preview" /> : <FileIcon />}
      <span className="details">
        <span className="name">{item.name}</span>
        <span className="hint">
          {describeType(item.attachment?.contentType ?? (item.type || 'file'))} · {formatSize(item.size)}
        </span>
        {item.status === 'uploading' && (
          <>
            <progress max={100} value={percent} aria-label={`Uploading ${item.name}`} />
            <span className="visually-hidden" aria-live="polite">
              {percent === 100 ? `${item.name} uploaded, being checked` : ''}
            </span>
          </>
        )}
        {item.status === 'uploaded' && <span className="hint">Ready</span>}
        {item.status === 'failed' && (
          <span className="error" role="alert">
            Not uploaded: {item.error}
          </span>
        )}
      </span>
      <button type="button" className="small secondary" onClick={onRemove}>
        Remove<span className="visually-hidden"> {item.name}</span>
      </button>
    </li>
  );
}
