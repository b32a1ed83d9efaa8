/**
 * graphql-ws `next` messages of one live result, built as whole WebSocket frames: the result's JSON
 * is encoded once, and each distinct operation id gets one frame that every socket subscribed with
 * that id is written (the same bytes; clients that number their operations share them).
 */

/** The WebSocket header of an unmasked, final text frame of `length` bytes (RFC 6455 §5.2). */
function textFrameHeader(length: number): Buffer {
  if (length < 126) return Buffer.from([0x81, length]);
  if (length < 0x10000) return Buffer.from([0x81, 126, length >> 8, length & 0xff]);
  const header = Buffer.alloc(10);
  header[0] = 0x81;
  header[1] = 127;
  header.writeUIntBE(length, 4, 6);
  return header;
}

const TAIL = Buffer.from('}');

/** A graphql-ws message as a WebSocket frame, and the message alone (for a socket that frames its own). */
export interface Frame {
  frame: Buffer;
  message: Buffer;
}

/** The start of an operation's `next` messages, up to its payload. */
export const nextHead = (id: string): Buffer => Buffer.from(`{"id":${JSON.stringify(id)},"type":"next","payload":`);

export class NextFrames {
  private readonly payload: Buffer;
  private readonly byId = new Map<string, Frame>();

  constructor(payloadJson: string) {
    this.payload = Buffer.from(payloadJson);
  }

  /** The frame of this result for the operation `id` whose `nextHead` is `head`. */
  for(id: string, head: Buffer): Frame {
    let built = this.byId.get(id);
    if (!built) {
      const length = head.length + this.payload.length + 1;
      const header = textFrameHeader(length);
      const frame = Buffer.allocUnsafe(header.length + length);
      header.copy(frame, 0);
      head.copy(frame, header.length);
      this.payload.copy(frame, header.length + head.length);
      TAIL.copy(frame, frame.length - 1);
      built = { frame, message: frame.subarray(header.length) };
      this.byId.set(id, built);
    }
    return built;
  }
}
