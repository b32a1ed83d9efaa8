import { useEffect, useRef } from 'react';
import { useQuery } from 'urql';
import { DirectMembersQuery, displayName } from '../rooms';

/**
 * The other member of a DIRECT room, and whether they are online. The API pushes no presence per
 * user, but onlineCount changes whenever someone comes or goes: then it is read again.
 */
export function useDirectPeer(roomId: string, viewerId: string, onlineUsers: number | undefined) {
  const [{ data }, refetch] = useQuery({ query: DirectMembersQuery, variables: { roomId } });
  const seen = useRef(onlineUsers);
  useEffect(() => {
    if (seen.current === onlineUsers) return;
    seen.current = onlineUsers;
    refetch({ requestPolicy: 'network-only' });
  }, [onlineUsers, refetch]);
  return data?.room?.members.edges.map((edge) => edge.node).find((user) => user.id !== viewerId) ?? null;
}

/** A DIRECT room's name: the other member's, with a dot that says whether they are online. */
export function PeerName({
  roomId,
  viewerId,
  onlineUsers,
  fallback,
}: {
  roomId: string;
  viewerId: string;
  onlineUsers: number | undefined;
  fallback: string;
}) {
  const peer = useDirectPeer(roomId, viewerId, onlineUsers);
  return (
    <span className="peer">
      <span className={`dot${peer?.online ? ' online' : ''}`} aria-hidden="true" />
      {peer ? displayName(peer) : fallback}
      {peer && <span className="visually-hidden">{peer.online ? ' (online)' : ' (offline)'}</span>}
    </span>
  );
}
