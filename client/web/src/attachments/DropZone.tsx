import { useRef, useState, type DragEvent, type ReactNode } from 'react';
import { attachFiles } from './draft';

const carriesFiles = (event: DragEvent) => event.dataTransfer.types.includes('Files');

/**
 * The conversation as a drop target: files dropped onto it go with the next message of the box
 * `draftKey` (the room's), and while they are dragged over it says so. Without `enabled` (a
 * visitor) a drop does nothing, and the browser does not open the file instead.
 */
export function DropZone({
  draftKey,
  roomId,
  enabled,
  className,
  children,
}: {
  draftKey: string;
  roomId: string;
  enabled: boolean;
  className?: string;
  children: ReactNode;
}) {
  const [over, setOver] = useState(false);
  // dragenter and dragleave fire for every child crossed: count them.
  const depth = useRef(0);
  const onDragEnter = (event: DragEvent) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    depth.current++;
    setOver(true);
  };
  const onDragOver = (event: DragEvent) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    event.dataTransfer.dropEffect = enabled ? 'copy' : 'none';
  };
  const onDragLeave = (event: DragEvent) => {
    if (!carriesFiles(event)) return;
    depth.current = Math.max(0, depth.current - 1);
    if (depth.current === 0) setOver(false);
  };
  const onDrop = (event: DragEvent) => {
    if (!carriesFiles(event)) return;
    event.preventDefault();
    depth.current = 0;
    setOver(false);
    if (enabled) attachFiles(draftKey, roomId, [...event.dataTransfer.files]);
  };
  return (
    <div
      className={[className, 'drop-zone', over && enabled && 'dragging'].filter(Boolean).join(' ')}
      onDragEnter={onDragEnter}
      onDragOver={onDragOver}
      onDragLeave={onDragLeave}
      onDrop={onDrop}
    >
      {children}
      {over && enabled && (
        <div className="drop-hint" aria-hidden="true">
          Drop files to attach them to your message
        </div>
      )}
    </div>
  );
}
