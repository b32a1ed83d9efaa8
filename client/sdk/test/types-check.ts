// Compile-time checks of the generated functions' signatures (typechecked by tsconfig.test.json, not run).
import type { ChatClient } from '@chat/sdk';
declare const c: ChatClient;
void c.me();
void c.publicRooms();
void c.messages({ roomId: 'x' });
// @ts-expect-error roomId is required
void c.messages({});
void c.createRoom({ name: 'x', kind: 'PUBLIC' });
// @ts-expect-error name is required
void c.createRoom({ kind: 'PUBLIC' });
void c.joinRoom();
void c.subscribe.myEvents();
void c.subscribe.roomEvents({ roomId: 'x' });
// @ts-expect-error variables required
void c.subscribe.roomEvents();
// @ts-expect-error the room query is c.query.room
void c.room({ id: 'x' });
void c.query.room({ id: 'x' }).then((r) => r?.lastSeq satisfies number | undefined);
void c.sendMessage({ roomId: 'r', body: 'b' }).then((m) => m.author.username satisfies string);
void c.mutate.login({ username: 'a', password: 'b' });
