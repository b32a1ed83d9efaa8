/* eslint-disable */
import * as types from './graphql.js';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment AttachmentData on Attachment {\n    id\n    filename\n    contentType\n    size\n    url\n    width\n    height\n    thumbnailUrl\n  }\n": typeof types.AttachmentDataFragmentDoc,
    "\n  mutation UploadAttachment($input: UploadAttachmentInput!) {\n    uploadAttachment(input: $input) {\n      ...AttachmentData\n    }\n  }\n": typeof types.UploadAttachmentDocument,
    "\n  query AttachmentUrls($id: ID!) {\n    node(id: $id) {\n      ... on Attachment {\n        id\n        url\n        thumbnailUrl\n      }\n    }\n  }\n": typeof types.AttachmentUrlsDocument,
    "\n  fragment RoomActivity on Room {\n    id\n    lastSeq\n    lastActivityAt\n    unreadCount\n  }\n": typeof types.RoomActivityFragmentDoc,
    "\n  fragment RoomReadState on Room {\n    id\n    viewerLastReadSeq\n    unreadCount\n  }\n": typeof types.RoomReadStateFragmentDoc,
    "\n  query ThreadRoot($id: ID!) {\n    node(id: $id) {\n      ... on Message {\n        ...MessageData\n      }\n    }\n  }\n": typeof types.ThreadRootDocument,
    "\n  query PublicRooms($search: String) {\n    publicRooms(first: 50, search: $search) {\n      edges {\n        node {\n          ...RoomSummary\n        }\n      }\n    }\n  }\n": typeof types.PublicRoomsDocument,
    "\n  query RoomMemberships($roomId: ID!) {\n    room(id: $roomId) {\n      id\n      memberships(first: 100) {\n        edges {\n          node {\n            role\n            mutedUntil\n            user {\n              id\n              username\n              displayName\n            }\n          }\n        }\n      }\n    }\n  }\n": typeof types.RoomMembershipsDocument,
    "\n  fragment RoomModerationState on Room {\n    id\n    name\n    topic\n    memberCount\n    slowModeSeconds\n    archivedAt\n    viewerRole\n    viewerMutedUntil\n  }\n": typeof types.RoomModerationStateFragmentDoc,
    "\n  mutation SetMemberRole($input: SetMemberRoleInput!) {\n    setMemberRole(input: $input) {\n      ...RoomModerationState\n    }\n  }\n": typeof types.SetMemberRoleDocument,
    "\n  mutation RemoveMember($input: ModerateMemberInput!) {\n    removeMember(input: $input) {\n      ...RoomModerationState\n    }\n  }\n": typeof types.RemoveMemberDocument,
    "\n  mutation BanMember($input: BanMemberInput!) {\n    banMember(input: $input) {\n      ...RoomModerationState\n    }\n  }\n": typeof types.BanMemberDocument,
    "\n  mutation MuteMember($input: MuteMemberInput!) {\n    muteMember(input: $input) {\n      ...RoomModerationState\n    }\n  }\n": typeof types.MuteMemberDocument,
    "\n  mutation UnmuteMember($input: ModerateMemberInput!) {\n    unmuteMember(input: $input) {\n      ...RoomModerationState\n    }\n  }\n": typeof types.UnmuteMemberDocument,
    "\n  mutation UpdateRoom($input: UpdateRoomInput!) {\n    updateRoom(input: $input) {\n      ...RoomModerationState\n    }\n  }\n": typeof types.UpdateRoomDocument,
    "\n  mutation ArchiveRoom($input: ArchiveRoomInput!) {\n    archiveRoom(input: $input) {\n      ...RoomModerationState\n    }\n  }\n": typeof types.ArchiveRoomDocument,
    "\n  mutation UnarchiveRoom($input: ArchiveRoomInput!) {\n    unarchiveRoom(input: $input) {\n      ...RoomModerationState\n    }\n  }\n": typeof types.UnarchiveRoomDocument,
    "\n  mutation ReportMessage($input: ReportMessageInput!) {\n    reportMessage(input: $input)\n  }\n": typeof types.ReportMessageDocument,
    "\n  query RoomReports($roomId: ID!) {\n    roomReports(roomId: $roomId, first: 50) {\n      edges {\n        node {\n          id\n          reason\n          createdAt\n          reporter {\n            id\n            username\n            displayName\n          }\n          message {\n            id\n            body\n            deletedAt\n            author {\n              id\n              username\n              displayName\n            }\n          }\n        }\n      }\n    }\n  }\n": typeof types.RoomReportsDocument,
    "\n  mutation DeleteReportedMessage($input: DeleteMessageInput!) {\n    deleteMessage(input: $input) {\n      id\n      body\n      deletedAt\n    }\n  }\n": typeof types.DeleteReportedMessageDocument,
    "\n  mutation CreateRoom($input: CreateRoomInput!) {\n    createRoom(input: $input) {\n      ...RoomSummary\n    }\n  }\n": typeof types.CreateRoomDocument,
    "\n  mutation OpenDirectRoom($input: OpenDirectRoomInput!) {\n    openDirectRoom(input: $input) {\n      ...RoomSummary\n    }\n  }\n": typeof types.OpenDirectRoomDocument,
    "\n  query Room($roomId: ID!) {\n    room(id: $roomId) {\n      ...RoomSummary\n      ...RoomModerationState\n      viewerCanPin\n    }\n  }\n": typeof types.RoomDocument,
    "\n  mutation InviteToRoom($input: InviteToRoomInput!) {\n    inviteToRoom(input: $input) {\n      id\n      memberCount\n    }\n  }\n": typeof types.InviteToRoomDocument,
    "\n  query SearchMessages($query: String!) {\n    searchMessages(query: $query, first: 30) {\n      edges {\n        node {\n          id\n          seq\n          body\n          createdAt\n          threadRoot {\n            id\n            seq\n          }\n          author {\n            id\n            username\n            displayName\n          }\n          room {\n            id\n            name\n            kind\n          }\n        }\n      }\n    }\n  }\n": typeof types.SearchMessagesDocument,
    "\n  query RoomWebhooks($roomId: ID!) {\n    webhooks(roomId: $roomId) {\n      id\n      url\n      events\n      active\n      inactiveReason\n      createdAt\n    }\n  }\n": typeof types.RoomWebhooksDocument,
    "\n  query WebhookDeliveries($webhookId: ID!) {\n    webhookDeliveries(webhookId: $webhookId, first: 10) {\n      edges {\n        node {\n          id\n          seq\n          event\n          status\n          attempts\n          lastStatusCode\n          lastError\n          createdAt\n        }\n      }\n    }\n  }\n": typeof types.WebhookDeliveriesDocument,
    "\n  mutation CreateWebhook($input: CreateWebhookInput!) {\n    createWebhook(input: $input) {\n      secret\n      webhook {\n        id\n        url\n        events\n        active\n        inactiveReason\n        createdAt\n      }\n    }\n  }\n": typeof types.CreateWebhookDocument,
    "\n  mutation DeleteWebhook($input: WebhookIdInput!) {\n    deleteWebhook(input: $input)\n  }\n": typeof types.DeleteWebhookDocument,
    "\n  subscription MyEvents {\n    myEvents {\n      __typename\n      ... on MessageCreated {\n        message {\n          ...MessageData\n        }\n      }\n      ... on MessageEdited {\n        message {\n          id\n          body\n          editedAt\n        }\n      }\n      ... on MessageDeleted {\n        message {\n          id\n          body\n          deletedAt\n        }\n      }\n      ... on ReactionChanged {\n        message {\n          id\n          reactions {\n            emoji\n            count\n            viewerReacted\n          }\n        }\n      }\n      ... on MessagePinned {\n        message {\n          id\n          pinnedAt\n          room {\n            id\n          }\n        }\n      }\n      ... on MessageUnpinned {\n        message {\n          id\n          pinnedAt\n          room {\n            id\n          }\n        }\n      }\n      ... on ThreadUpdated {\n        root {\n          id\n          replyCount\n          lastReplyAt\n        }\n      }\n      ... on UserUpdated {\n        user {\n          id\n          username\n          displayName\n          avatarUrl\n        }\n      }\n      ... on MemberJoined {\n        room {\n          ...RoomSummary\n        }\n        user {\n          id\n        }\n      }\n      ... on MemberLeft {\n        room {\n          id\n          memberCount\n          sharesReadReceipts\n        }\n        user {\n          id\n        }\n      }\n      ... on TypingChanged {\n        room {\n          id\n        }\n        user {\n          id\n          username\n          displayName\n        }\n        typing\n      }\n      ... on ReadReceipt {\n        room {\n          id\n        }\n        user {\n          id\n          username\n          displayName\n        }\n        lastReadSeq\n      }\n      ... on RoomUpdated {\n        room {\n          ...RoomModerationState\n        }\n      }\n      ... on MemberRoleChanged {\n        room {\n          id\n        }\n        user {\n          id\n        }\n        role\n      }\n      ... on MemberRemoved {\n        room {\n          id\n          memberCount\n          sharesReadReceipts\n        }\n        user {\n          id\n        }\n        banned\n      }\n      ... on MemberMuted {\n        room {\n          id\n        }\n        user {\n          id\n        }\n        until\n      }\n    }\n  }\n": typeof types.MyEventsDocument,
    "\n  subscription OnlineCount {\n    onlineCount {\n      users\n      guests\n    }\n  }\n": typeof types.OnlineCountDocument,
    "\n  fragment MessageData on Message {\n    id\n    seq\n    body\n    clientMessageId\n    createdAt\n    editedAt\n    deletedAt\n    author {\n      id\n      username\n      displayName\n      avatarUrl\n    }\n    room {\n      id\n    }\n    threadRootId\n    replyCount\n    lastReplyAt\n    pinnedAt\n    reactions {\n      emoji\n      count\n      viewerReacted\n    }\n    mentions {\n      id\n      username\n    }\n    attachments {\n      ...AttachmentData\n    }\n  }\n": typeof types.MessageDataFragmentDoc,
    "\n  query RoomMessages($roomId: ID!, $before: String) {\n    room(id: $roomId) {\n      id\n      messages(last: 50, before: $before) {\n        edges {\n          node {\n            ...MessageData\n          }\n        }\n        pageInfo {\n          hasPreviousPage\n          startCursor\n        }\n      }\n    }\n  }\n": typeof types.RoomMessagesDocument,
    "\n  query RoomMessagesAfter($roomId: ID!, $after: String!) {\n    messages(roomId: $roomId, first: 50, after: $after) {\n      edges {\n        node {\n          ...MessageData\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.RoomMessagesAfterDocument,
    "\n  query MessagesAround($roomId: ID!, $seq: Int!) {\n    messagesAround(roomId: $roomId, seq: $seq, limit: 50) {\n      edges {\n        node {\n          ...MessageData\n        }\n      }\n      pageInfo {\n        hasPreviousPage\n        hasNextPage\n        startCursor\n        endCursor\n      }\n    }\n  }\n": typeof types.MessagesAroundDocument,
    "\n  query ThreadMessages($messageId: ID!) {\n    threadMessages(messageId: $messageId, last: 100) {\n      edges {\n        node {\n          ...MessageData\n        }\n      }\n    }\n  }\n": typeof types.ThreadMessagesDocument,
    "\n  query PinnedMessages($roomId: ID!) {\n    room(id: $roomId) {\n      id\n      pinnedMessages {\n        ...MessageData\n      }\n    }\n  }\n": typeof types.PinnedMessagesDocument,
    "\n  query RoomMembers($roomId: ID!) {\n    room(id: $roomId) {\n      id\n      members(first: 100) {\n        edges {\n          node {\n            id\n            username\n            displayName\n          }\n        }\n      }\n    }\n  }\n": typeof types.RoomMembersDocument,
    "\n  mutation AddReaction($input: ReactionInput!) {\n    addReaction(input: $input) {\n      id\n      reactions {\n        emoji\n        count\n        viewerReacted\n      }\n    }\n  }\n": typeof types.AddReactionDocument,
    "\n  mutation RemoveReaction($input: ReactionInput!) {\n    removeReaction(input: $input) {\n      id\n      reactions {\n        emoji\n        count\n        viewerReacted\n      }\n    }\n  }\n": typeof types.RemoveReactionDocument,
    "\n  mutation PinMessage($input: PinMessageInput!) {\n    pinMessage(input: $input) {\n      id\n      pinnedAt\n    }\n  }\n": typeof types.PinMessageDocument,
    "\n  mutation UnpinMessage($input: PinMessageInput!) {\n    unpinMessage(input: $input) {\n      id\n      pinnedAt\n    }\n  }\n": typeof types.UnpinMessageDocument,
    "\n  query MessagesSince($roomId: ID!, $afterSeq: Int!, $first: Int!) {\n    messagesSince(roomId: $roomId, afterSeq: $afterSeq, first: $first) {\n      ...MessageData\n    }\n  }\n": typeof types.MessagesSinceDocument,
    "\n  query RecentChanges($roomId: ID!) {\n    messages(roomId: $roomId, last: 50) {\n      edges {\n        node {\n          id\n          body\n          editedAt\n          deletedAt\n        }\n      }\n    }\n  }\n": typeof types.RecentChangesDocument,
    "\n  mutation SendMessage($input: SendMessageInput!) {\n    sendMessage(input: $input) {\n      ...MessageData\n    }\n  }\n": typeof types.SendMessageDocument,
    "\n  mutation EditMessage($input: EditMessageInput!) {\n    editMessage(input: $input) {\n      id\n      body\n      editedAt\n    }\n  }\n": typeof types.EditMessageDocument,
    "\n  mutation DeleteMessage($input: DeleteMessageInput!) {\n    deleteMessage(input: $input) {\n      id\n      body\n      deletedAt\n    }\n  }\n": typeof types.DeleteMessageDocument,
    "\n  mutation MarkRead($input: MarkReadInput!) {\n    markRead(input: $input) {\n      id\n      viewerLastReadSeq\n      unreadCount\n    }\n  }\n": typeof types.MarkReadDocument,
    "\n  mutation SetTyping($input: SetTypingInput!) {\n    setTyping(input: $input)\n  }\n": typeof types.SetTypingDocument,
    "\n  fragment NotificationItem on Notification {\n    id\n    kind\n    createdAt\n    readAt\n    actor {\n      id\n      username\n      displayName\n    }\n    room {\n      id\n      name\n      kind\n    }\n    message {\n      id\n      seq\n      body\n      threadRoot {\n        id\n        seq\n      }\n    }\n  }\n": typeof types.NotificationItemFragmentDoc,
    "\n  query UnreadNotificationCount {\n    unreadNotificationCount\n  }\n": typeof types.UnreadNotificationCountDocument,
    "\n  query Inbox($after: String) {\n    notifications(first: 30, after: $after) {\n      edges {\n        node {\n          ...NotificationItem\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": typeof types.InboxDocument,
    "\n  subscription NotificationAdded {\n    notificationAdded {\n      ...NotificationItem\n    }\n  }\n": typeof types.NotificationAddedDocument,
    "\n  mutation MarkNotificationsRead($input: MarkNotificationsReadInput!) {\n    markNotificationsRead(input: $input)\n  }\n": typeof types.MarkNotificationsReadDocument,
    "\n  fragment PersonItem on User {\n    id\n    username\n    displayName\n    avatarUrl\n    friendship\n  }\n": typeof types.PersonItemFragmentDoc,
    "\n  query Friends {\n    friends(first: 100) {\n      edges {\n        node {\n          ...PersonItem\n        }\n      }\n    }\n    friendRequests(first: 100) {\n      edges {\n        node {\n          ...PersonItem\n        }\n      }\n    }\n    blockedUsers(first: 100) {\n      edges {\n        node {\n          ...PersonItem\n        }\n      }\n    }\n  }\n": typeof types.FriendsDocument,
    "\n  query BlockedUsers {\n    blockedUsers(first: 100) {\n      edges {\n        node {\n          id\n        }\n      }\n    }\n  }\n": typeof types.BlockedUsersDocument,
    "\n  query Person($id: ID!) {\n    node(id: $id) {\n      ... on User {\n        ...PersonItem\n      }\n    }\n  }\n": typeof types.PersonDocument,
    "\n  mutation SendFriendRequest($input: UsernameInput!) {\n    sendFriendRequest(input: $input) {\n      ...PersonItem\n    }\n  }\n": typeof types.SendFriendRequestDocument,
    "\n  mutation RespondToFriendRequest($input: FriendResponseInput!) {\n    respondToFriendRequest(input: $input) {\n      ...PersonItem\n    }\n  }\n": typeof types.RespondToFriendRequestDocument,
    "\n  mutation RemoveFriend($input: UsernameInput!) {\n    removeFriend(input: $input) {\n      ...PersonItem\n    }\n  }\n": typeof types.RemoveFriendDocument,
    "\n  mutation BlockUser($input: UsernameInput!) {\n    blockUser(input: $input) {\n      ...PersonItem\n    }\n  }\n": typeof types.BlockUserDocument,
    "\n  mutation UnblockUser($input: UsernameInput!) {\n    unblockUser(input: $input) {\n      ...PersonItem\n    }\n  }\n": typeof types.UnblockUserDocument,
    "\n  query Profile {\n    me {\n      id\n      username\n      displayName\n      avatarUrl\n      directMessagePolicy\n    }\n    myRooms(first: 1) {\n      edges {\n        node {\n          id\n        }\n      }\n    }\n  }\n": typeof types.ProfileDocument,
    "\n  mutation UpdateProfile($input: UpdateProfileInput!) {\n    updateProfile(input: $input) {\n      id\n      username\n      displayName\n      avatarUrl\n      directMessagePolicy\n    }\n  }\n": typeof types.UpdateProfileDocument,
    "\n  mutation UploadAvatar($input: UploadAttachmentInput!) {\n    uploadAttachment(input: $input) {\n      id\n    }\n  }\n": typeof types.UploadAvatarDocument,
    "\n  mutation MessageUser($input: OpenDirectRoomInput!) {\n    openDirectRoom(input: $input) {\n      id\n      name\n      kind\n    }\n  }\n": typeof types.MessageUserDocument,
    "\n  query VapidPublicKey {\n    vapidPublicKey\n  }\n": typeof types.VapidPublicKeyDocument,
    "\n  mutation RegisterPush($input: PushSubscriptionInput!) {\n    registerPushSubscription(input: $input)\n  }\n": typeof types.RegisterPushDocument,
    "\n  mutation UnregisterPush($input: PushEndpointInput!) {\n    unregisterPushSubscription(input: $input)\n  }\n": typeof types.UnregisterPushDocument,
    "\n  fragment RoomSummary on Room {\n    id\n    name\n    kind\n    topic\n    memberCount\n    sharesReadReceipts\n    lastSeq\n    lastActivityAt\n    unreadCount\n    viewerLastReadSeq\n    viewerIsMember\n  }\n": typeof types.RoomSummaryFragmentDoc,
    "\n  query MyRooms {\n    myRooms(first: 100) {\n      edges {\n        node {\n          ...RoomSummary\n        }\n      }\n    }\n  }\n": typeof types.MyRoomsDocument,
    "\n  query DirectMembers($roomId: ID!) {\n    room(id: $roomId) {\n      id\n      members(first: 2) {\n        edges {\n          node {\n            id\n            username\n            displayName\n            online\n          }\n        }\n      }\n    }\n  }\n": typeof types.DirectMembersDocument,
    "\n  mutation JoinRoom($input: JoinRoomInput!) {\n    joinRoom(input: $input) {\n      ...RoomSummary\n    }\n  }\n": typeof types.JoinRoomDocument,
    "\n  fragment SessionFields on AuthPayload {\n    accessToken\n    user {\n      id\n      username\n      displayName\n    }\n  }\n": typeof types.SessionFieldsFragmentDoc,
    "\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      ...SessionFields\n    }\n  }\n": typeof types.RegisterDocument,
    "\n  mutation Login($input: LoginInput!) {\n    login(input: $input) {\n      ...SessionFields\n    }\n  }\n": typeof types.LoginDocument,
    "\n  mutation Refresh {\n    refreshToken(input: {}) {\n      ...SessionFields\n    }\n  }\n": typeof types.RefreshDocument,
    "\n  mutation Logout($allSessions: Boolean!) {\n    logout(input: { allSessions: $allSessions })\n  }\n": typeof types.LogoutDocument,
};
const documents: Documents = {
    "\n  fragment AttachmentData on Attachment {\n    id\n    filename\n    contentType\n    size\n    url\n    width\n    height\n    thumbnailUrl\n  }\n": types.AttachmentDataFragmentDoc,
    "\n  mutation UploadAttachment($input: UploadAttachmentInput!) {\n    uploadAttachment(input: $input) {\n      ...AttachmentData\n    }\n  }\n": types.UploadAttachmentDocument,
    "\n  query AttachmentUrls($id: ID!) {\n    node(id: $id) {\n      ... on Attachment {\n        id\n        url\n        thumbnailUrl\n      }\n    }\n  }\n": types.AttachmentUrlsDocument,
    "\n  fragment RoomActivity on Room {\n    id\n    lastSeq\n    lastActivityAt\n    unreadCount\n  }\n": types.RoomActivityFragmentDoc,
    "\n  fragment RoomReadState on Room {\n    id\n    viewerLastReadSeq\n    unreadCount\n  }\n": types.RoomReadStateFragmentDoc,
    "\n  query ThreadRoot($id: ID!) {\n    node(id: $id) {\n      ... on Message {\n        ...MessageData\n      }\n    }\n  }\n": types.ThreadRootDocument,
    "\n  query PublicRooms($search: String) {\n    publicRooms(first: 50, search: $search) {\n      edges {\n        node {\n          ...RoomSummary\n        }\n      }\n    }\n  }\n": types.PublicRoomsDocument,
    "\n  query RoomMemberships($roomId: ID!) {\n    room(id: $roomId) {\n      id\n      memberships(first: 100) {\n        edges {\n          node {\n            role\n            mutedUntil\n            user {\n              id\n              username\n              displayName\n            }\n          }\n        }\n      }\n    }\n  }\n": types.RoomMembershipsDocument,
    "\n  fragment RoomModerationState on Room {\n    id\n    name\n    topic\n    memberCount\n    slowModeSeconds\n    archivedAt\n    viewerRole\n    viewerMutedUntil\n  }\n": types.RoomModerationStateFragmentDoc,
    "\n  mutation SetMemberRole($input: SetMemberRoleInput!) {\n    setMemberRole(input: $input) {\n      ...RoomModerationState\n    }\n  }\n": types.SetMemberRoleDocument,
    "\n  mutation RemoveMember($input: ModerateMemberInput!) {\n    removeMember(input: $input) {\n      ...RoomModerationState\n    }\n  }\n": types.RemoveMemberDocument,
    "\n  mutation BanMember($input: BanMemberInput!) {\n    banMember(input: $input) {\n      ...RoomModerationState\n    }\n  }\n": types.BanMemberDocument,
    "\n  mutation MuteMember($input: MuteMemberInput!) {\n    muteMember(input: $input) {\n      ...RoomModerationState\n    }\n  }\n": types.MuteMemberDocument,
    "\n  mutation UnmuteMember($input: ModerateMemberInput!) {\n    unmuteMember(input: $input) {\n      ...RoomModerationState\n    }\n  }\n": types.UnmuteMemberDocument,
    "\n  mutation UpdateRoom($input: UpdateRoomInput!) {\n    updateRoom(input: $input) {\n      ...RoomModerationState\n    }\n  }\n": types.UpdateRoomDocument,
    "\n  mutation ArchiveRoom($input: ArchiveRoomInput!) {\n    archiveRoom(input: $input) {\n      ...RoomModerationState\n    }\n  }\n": types.ArchiveRoomDocument,
    "\n  mutation UnarchiveRoom($input: ArchiveRoomInput!) {\n    unarchiveRoom(input: $input) {\n      ...RoomModerationState\n    }\n  }\n": types.UnarchiveRoomDocument,
    "\n  mutation ReportMessage($input: ReportMessageInput!) {\n    reportMessage(input: $input)\n  }\n": types.ReportMessageDocument,
    "\n  query RoomReports($roomId: ID!) {\n    roomReports(roomId: $roomId, first: 50) {\n      edges {\n        node {\n          id\n          reason\n          createdAt\n          reporter {\n            id\n            username\n            displayName\n          }\n          message {\n            id\n            body\n            deletedAt\n            author {\n              id\n              username\n              displayName\n            }\n          }\n        }\n      }\n    }\n  }\n": types.RoomReportsDocument,
    "\n  mutation DeleteReportedMessage($input: DeleteMessageInput!) {\n    deleteMessage(input: $input) {\n      id\n      body\n      deletedAt\n    }\n  }\n": types.DeleteReportedMessageDocument,
    "\n  mutation CreateRoom($input: CreateRoomInput!) {\n    createRoom(input: $input) {\n      ...RoomSummary\n    }\n  }\n": types.CreateRoomDocument,
    "\n  mutation OpenDirectRoom($input: OpenDirectRoomInput!) {\n    openDirectRoom(input: $input) {\n      ...RoomSummary\n    }\n  }\n": types.OpenDirectRoomDocument,
    "\n  query Room($roomId: ID!) {\n    room(id: $roomId) {\n      ...RoomSummary\n      ...RoomModerationState\n      viewerCanPin\n    }\n  }\n": types.RoomDocument,
    "\n  mutation InviteToRoom($input: InviteToRoomInput!) {\n    inviteToRoom(input: $input) {\n      id\n      memberCount\n    }\n  }\n": types.InviteToRoomDocument,
    "\n  query SearchMessages($query: String!) {\n    searchMessages(query: $query, first: 30) {\n      edges {\n        node {\n          id\n          seq\n          body\n          createdAt\n          threadRoot {\n            id\n            seq\n          }\n          author {\n            id\n            username\n            displayName\n          }\n          room {\n            id\n            name\n            kind\n          }\n        }\n      }\n    }\n  }\n": types.SearchMessagesDocument,
    "\n  query RoomWebhooks($roomId: ID!) {\n    webhooks(roomId: $roomId) {\n      id\n      url\n      events\n      active\n      inactiveReason\n      createdAt\n    }\n  }\n": types.RoomWebhooksDocument,
    "\n  query WebhookDeliveries($webhookId: ID!) {\n    webhookDeliveries(webhookId: $webhookId, first: 10) {\n      edges {\n        node {\n          id\n          seq\n          event\n          status\n          attempts\n          lastStatusCode\n          lastError\n          createdAt\n        }\n      }\n    }\n  }\n": types.WebhookDeliveriesDocument,
    "\n  mutation CreateWebhook($input: CreateWebhookInput!) {\n    createWebhook(input: $input) {\n      secret\n      webhook {\n        id\n        url\n        events\n        active\n        inactiveReason\n        createdAt\n      }\n    }\n  }\n": types.CreateWebhookDocument,
    "\n  mutation DeleteWebhook($input: WebhookIdInput!) {\n    deleteWebhook(input: $input)\n  }\n": types.DeleteWebhookDocument,
    "\n  subscription MyEvents {\n    myEvents {\n      __typename\n      ... on MessageCreated {\n        message {\n          ...MessageData\n        }\n      }\n      ... on MessageEdited {\n        message {\n          id\n          body\n          editedAt\n        }\n      }\n      ... on MessageDeleted {\n        message {\n          id\n          body\n          deletedAt\n        }\n      }\n      ... on ReactionChanged {\n        message {\n          id\n          reactions {\n            emoji\n            count\n            viewerReacted\n          }\n        }\n      }\n      ... on MessagePinned {\n        message {\n          id\n          pinnedAt\n          room {\n            id\n          }\n        }\n      }\n      ... on MessageUnpinned {\n        message {\n          id\n          pinnedAt\n          room {\n            id\n          }\n        }\n      }\n      ... on ThreadUpdated {\n        root {\n          id\n          replyCount\n          lastReplyAt\n        }\n      }\n      ... on UserUpdated {\n        user {\n          id\n          username\n          displayName\n          avatarUrl\n        }\n      }\n      ... on MemberJoined {\n        room {\n          ...RoomSummary\n        }\n        user {\n          id\n        }\n      }\n      ... on MemberLeft {\n        room {\n          id\n          memberCount\n          sharesReadReceipts\n        }\n        user {\n          id\n        }\n      }\n      ... on TypingChanged {\n        room {\n          id\n        }\n        user {\n          id\n          username\n          displayName\n        }\n        typing\n      }\n      ... on ReadReceipt {\n        room {\n          id\n        }\n        user {\n          id\n          username\n          displayName\n        }\n        lastReadSeq\n      }\n      ... on RoomUpdated {\n        room {\n          ...RoomModerationState\n        }\n      }\n      ... on MemberRoleChanged {\n        room {\n          id\n        }\n        user {\n          id\n        }\n        role\n      }\n      ... on MemberRemoved {\n        room {\n          id\n          memberCount\n          sharesReadReceipts\n        }\n        user {\n          id\n        }\n        banned\n      }\n      ... on MemberMuted {\n        room {\n          id\n        }\n        user {\n          id\n        }\n        until\n      }\n    }\n  }\n": types.MyEventsDocument,
    "\n  subscription OnlineCount {\n    onlineCount {\n      users\n      guests\n    }\n  }\n": types.OnlineCountDocument,
    "\n  fragment MessageData on Message {\n    id\n    seq\n    body\n    clientMessageId\n    createdAt\n    editedAt\n    deletedAt\n    author {\n      id\n      username\n      displayName\n      avatarUrl\n    }\n    room {\n      id\n    }\n    threadRootId\n    replyCount\n    lastReplyAt\n    pinnedAt\n    reactions {\n      emoji\n      count\n      viewerReacted\n    }\n    mentions {\n      id\n      username\n    }\n    attachments {\n      ...AttachmentData\n    }\n  }\n": types.MessageDataFragmentDoc,
    "\n  query RoomMessages($roomId: ID!, $before: String) {\n    room(id: $roomId) {\n      id\n      messages(last: 50, before: $before) {\n        edges {\n          node {\n            ...MessageData\n          }\n        }\n        pageInfo {\n          hasPreviousPage\n          startCursor\n        }\n      }\n    }\n  }\n": types.RoomMessagesDocument,
    "\n  query RoomMessagesAfter($roomId: ID!, $after: String!) {\n    messages(roomId: $roomId, first: 50, after: $after) {\n      edges {\n        node {\n          ...MessageData\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.RoomMessagesAfterDocument,
    "\n  query MessagesAround($roomId: ID!, $seq: Int!) {\n    messagesAround(roomId: $roomId, seq: $seq, limit: 50) {\n      edges {\n        node {\n          ...MessageData\n        }\n      }\n      pageInfo {\n        hasPreviousPage\n        hasNextPage\n        startCursor\n        endCursor\n      }\n    }\n  }\n": types.MessagesAroundDocument,
    "\n  query ThreadMessages($messageId: ID!) {\n    threadMessages(messageId: $messageId, last: 100) {\n      edges {\n        node {\n          ...MessageData\n        }\n      }\n    }\n  }\n": types.ThreadMessagesDocument,
    "\n  query PinnedMessages($roomId: ID!) {\n    room(id: $roomId) {\n      id\n      pinnedMessages {\n        ...MessageData\n      }\n    }\n  }\n": types.PinnedMessagesDocument,
    "\n  query RoomMembers($roomId: ID!) {\n    room(id: $roomId) {\n      id\n      members(first: 100) {\n        edges {\n          node {\n            id\n            username\n            displayName\n          }\n        }\n      }\n    }\n  }\n": types.RoomMembersDocument,
    "\n  mutation AddReaction($input: ReactionInput!) {\n    addReaction(input: $input) {\n      id\n      reactions {\n        emoji\n        count\n        viewerReacted\n      }\n    }\n  }\n": types.AddReactionDocument,
    "\n  mutation RemoveReaction($input: ReactionInput!) {\n    removeReaction(input: $input) {\n      id\n      reactions {\n        emoji\n        count\n        viewerReacted\n      }\n    }\n  }\n": types.RemoveReactionDocument,
    "\n  mutation PinMessage($input: PinMessageInput!) {\n    pinMessage(input: $input) {\n      id\n      pinnedAt\n    }\n  }\n": types.PinMessageDocument,
    "\n  mutation UnpinMessage($input: PinMessageInput!) {\n    unpinMessage(input: $input) {\n      id\n      pinnedAt\n    }\n  }\n": types.UnpinMessageDocument,
    "\n  query MessagesSince($roomId: ID!, $afterSeq: Int!, $first: Int!) {\n    messagesSince(roomId: $roomId, afterSeq: $afterSeq, first: $first) {\n      ...MessageData\n    }\n  }\n": types.MessagesSinceDocument,
    "\n  query RecentChanges($roomId: ID!) {\n    messages(roomId: $roomId, last: 50) {\n      edges {\n        node {\n          id\n          body\n          editedAt\n          deletedAt\n        }\n      }\n    }\n  }\n": types.RecentChangesDocument,
    "\n  mutation SendMessage($input: SendMessageInput!) {\n    sendMessage(input: $input) {\n      ...MessageData\n    }\n  }\n": types.SendMessageDocument,
    "\n  mutation EditMessage($input: EditMessageInput!) {\n    editMessage(input: $input) {\n      id\n      body\n      editedAt\n    }\n  }\n": types.EditMessageDocument,
    "\n  mutation DeleteMessage($input: DeleteMessageInput!) {\n    deleteMessage(input: $input) {\n      id\n      body\n      deletedAt\n    }\n  }\n": types.DeleteMessageDocument,
    "\n  mutation MarkRead($input: MarkReadInput!) {\n    markRead(input: $input) {\n      id\n      viewerLastReadSeq\n      unreadCount\n    }\n  }\n": types.MarkReadDocument,
    "\n  mutation SetTyping($input: SetTypingInput!) {\n    setTyping(input: $input)\n  }\n": types.SetTypingDocument,
    "\n  fragment NotificationItem on Notification {\n    id\n    kind\n    createdAt\n    readAt\n    actor {\n      id\n      username\n      displayName\n    }\n    room {\n      id\n      name\n      kind\n    }\n    message {\n      id\n      seq\n      body\n      threadRoot {\n        id\n        seq\n      }\n    }\n  }\n": types.NotificationItemFragmentDoc,
    "\n  query UnreadNotificationCount {\n    unreadNotificationCount\n  }\n": types.UnreadNotificationCountDocument,
    "\n  query Inbox($after: String) {\n    notifications(first: 30, after: $after) {\n      edges {\n        node {\n          ...NotificationItem\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n": types.InboxDocument,
    "\n  subscription NotificationAdded {\n    notificationAdded {\n      ...NotificationItem\n    }\n  }\n": types.NotificationAddedDocument,
    "\n  mutation MarkNotificationsRead($input: MarkNotificationsReadInput!) {\n    markNotificationsRead(input: $input)\n  }\n": types.MarkNotificationsReadDocument,
    "\n  fragment PersonItem on User {\n    id\n    username\n    displayName\n    avatarUrl\n    friendship\n  }\n": types.PersonItemFragmentDoc,
    "\n  query Friends {\n    friends(first: 100) {\n      edges {\n        node {\n          ...PersonItem\n        }\n      }\n    }\n    friendRequests(first: 100) {\n      edges {\n        node {\n          ...PersonItem\n        }\n      }\n    }\n    blockedUsers(first: 100) {\n      edges {\n        node {\n          ...PersonItem\n        }\n      }\n    }\n  }\n": types.FriendsDocument,
    "\n  query BlockedUsers {\n    blockedUsers(first: 100) {\n      edges {\n        node {\n          id\n        }\n      }\n    }\n  }\n": types.BlockedUsersDocument,
    "\n  query Person($id: ID!) {\n    node(id: $id) {\n      ... on User {\n        ...PersonItem\n      }\n    }\n  }\n": types.PersonDocument,
    "\n  mutation SendFriendRequest($input: UsernameInput!) {\n    sendFriendRequest(input: $input) {\n      ...PersonItem\n    }\n  }\n": types.SendFriendRequestDocument,
    "\n  mutation RespondToFriendRequest($input: FriendResponseInput!) {\n    respondToFriendRequest(input: $input) {\n      ...PersonItem\n    }\n  }\n": types.RespondToFriendRequestDocument,
    "\n  mutation RemoveFriend($input: UsernameInput!) {\n    removeFriend(input: $input) {\n      ...PersonItem\n    }\n  }\n": types.RemoveFriendDocument,
    "\n  mutation BlockUser($input: UsernameInput!) {\n    blockUser(input: $input) {\n      ...PersonItem\n    }\n  }\n": types.BlockUserDocument,
    "\n  mutation UnblockUser($input: UsernameInput!) {\n    unblockUser(input: $input) {\n      ...PersonItem\n    }\n  }\n": types.UnblockUserDocument,
    "\n  query Profile {\n    me {\n      id\n      username\n      displayName\n      avatarUrl\n      directMessagePolicy\n    }\n    myRooms(first: 1) {\n      edges {\n        node {\n          id\n        }\n      }\n    }\n  }\n": types.ProfileDocument,
    "\n  mutation UpdateProfile($input: UpdateProfileInput!) {\n    updateProfile(input: $input) {\n      id\n      username\n      displayName\n      avatarUrl\n      directMessagePolicy\n    }\n  }\n": types.UpdateProfileDocument,
    "\n  mutation UploadAvatar($input: UploadAttachmentInput!) {\n    uploadAttachment(input: $input) {\n      id\n    }\n  }\n": types.UploadAvatarDocument,
    "\n  mutation MessageUser($input: OpenDirectRoomInput!) {\n    openDirectRoom(input: $input) {\n      id\n      name\n      kind\n    }\n  }\n": types.MessageUserDocument,
    "\n  query VapidPublicKey {\n    vapidPublicKey\n  }\n": types.VapidPublicKeyDocument,
    "\n  mutation RegisterPush($input: PushSubscriptionInput!) {\n    registerPushSubscription(input: $input)\n  }\n": types.RegisterPushDocument,
    "\n  mutation UnregisterPush($input: PushEndpointInput!) {\n    unregisterPushSubscription(input: $input)\n  }\n": types.UnregisterPushDocument,
    "\n  fragment RoomSummary on Room {\n    id\n    name\n    kind\n    topic\n    memberCount\n    sharesReadReceipts\n    lastSeq\n    lastActivityAt\n    unreadCount\n    viewerLastReadSeq\n    viewerIsMember\n  }\n": types.RoomSummaryFragmentDoc,
    "\n  query MyRooms {\n    myRooms(first: 100) {\n      edges {\n        node {\n          ...RoomSummary\n        }\n      }\n    }\n  }\n": types.MyRoomsDocument,
    "\n  query DirectMembers($roomId: ID!) {\n    room(id: $roomId) {\n      id\n      members(first: 2) {\n        edges {\n          node {\n            id\n            username\n            displayName\n            online\n          }\n        }\n      }\n    }\n  }\n": types.DirectMembersDocument,
    "\n  mutation JoinRoom($input: JoinRoomInput!) {\n    joinRoom(input: $input) {\n      ...RoomSummary\n    }\n  }\n": types.JoinRoomDocument,
    "\n  fragment SessionFields on AuthPayload {\n    accessToken\n    user {\n      id\n      username\n      displayName\n    }\n  }\n": types.SessionFieldsFragmentDoc,
    "\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      ...SessionFields\n    }\n  }\n": types.RegisterDocument,
    "\n  mutation Login($input: LoginInput!) {\n    login(input: $input) {\n      ...SessionFields\n    }\n  }\n": types.LoginDocument,
    "\n  mutation Refresh {\n    refreshToken(input: {}) {\n      ...SessionFields\n    }\n  }\n": types.RefreshDocument,
    "\n  mutation Logout($allSessions: Boolean!) {\n    logout(input: { allSessions: $allSessions })\n  }\n": types.LogoutDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment AttachmentData on Attachment {\n    id\n    filename\n    contentType\n    size\n    url\n    width\n    height\n    thumbnailUrl\n  }\n"): (typeof documents)["\n  fragment AttachmentData on Attachment {\n    id\n    filename\n    contentType\n    size\n    url\n    width\n    height\n    thumbnailUrl\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UploadAttachment($input: UploadAttachmentInput!) {\n    uploadAttachment(input: $input) {\n      ...AttachmentData\n    }\n  }\n"): (typeof documents)["\n  mutation UploadAttachment($input: UploadAttachmentInput!) {\n    uploadAttachment(input: $input) {\n      ...AttachmentData\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query AttachmentUrls($id: ID!) {\n    node(id: $id) {\n      ... on Attachment {\n        id\n        url\n        thumbnailUrl\n      }\n    }\n  }\n"): (typeof documents)["\n  query AttachmentUrls($id: ID!) {\n    node(id: $id) {\n      ... on Attachment {\n        id\n        url\n        thumbnailUrl\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment RoomActivity on Room {\n    id\n    lastSeq\n    lastActivityAt\n    unreadCount\n  }\n"): (typeof documents)["\n  fragment RoomActivity on Room {\n    id\n    lastSeq\n    lastActivityAt\n    unreadCount\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment RoomReadState on Room {\n    id\n    viewerLastReadSeq\n    unreadCount\n  }\n"): (typeof documents)["\n  fragment RoomReadState on Room {\n    id\n    viewerLastReadSeq\n    unreadCount\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ThreadRoot($id: ID!) {\n    node(id: $id) {\n      ... on Message {\n        ...MessageData\n      }\n    }\n  }\n"): (typeof documents)["\n  query ThreadRoot($id: ID!) {\n    node(id: $id) {\n      ... on Message {\n        ...MessageData\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PublicRooms($search: String) {\n    publicRooms(first: 50, search: $search) {\n      edges {\n        node {\n          ...RoomSummary\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query PublicRooms($search: String) {\n    publicRooms(first: 50, search: $search) {\n      edges {\n        node {\n          ...RoomSummary\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RoomMemberships($roomId: ID!) {\n    room(id: $roomId) {\n      id\n      memberships(first: 100) {\n        edges {\n          node {\n            role\n            mutedUntil\n            user {\n              id\n              username\n              displayName\n            }\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query RoomMemberships($roomId: ID!) {\n    room(id: $roomId) {\n      id\n      memberships(first: 100) {\n        edges {\n          node {\n            role\n            mutedUntil\n            user {\n              id\n              username\n              displayName\n            }\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment RoomModerationState on Room {\n    id\n    name\n    topic\n    memberCount\n    slowModeSeconds\n    archivedAt\n    viewerRole\n    viewerMutedUntil\n  }\n"): (typeof documents)["\n  fragment RoomModerationState on Room {\n    id\n    name\n    topic\n    memberCount\n    slowModeSeconds\n    archivedAt\n    viewerRole\n    viewerMutedUntil\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetMemberRole($input: SetMemberRoleInput!) {\n    setMemberRole(input: $input) {\n      ...RoomModerationState\n    }\n  }\n"): (typeof documents)["\n  mutation SetMemberRole($input: SetMemberRoleInput!) {\n    setMemberRole(input: $input) {\n      ...RoomModerationState\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemoveMember($input: ModerateMemberInput!) {\n    removeMember(input: $input) {\n      ...RoomModerationState\n    }\n  }\n"): (typeof documents)["\n  mutation RemoveMember($input: ModerateMemberInput!) {\n    removeMember(input: $input) {\n      ...RoomModerationState\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation BanMember($input: BanMemberInput!) {\n    banMember(input: $input) {\n      ...RoomModerationState\n    }\n  }\n"): (typeof documents)["\n  mutation BanMember($input: BanMemberInput!) {\n    banMember(input: $input) {\n      ...RoomModerationState\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation MuteMember($input: MuteMemberInput!) {\n    muteMember(input: $input) {\n      ...RoomModerationState\n    }\n  }\n"): (typeof documents)["\n  mutation MuteMember($input: MuteMemberInput!) {\n    muteMember(input: $input) {\n      ...RoomModerationState\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UnmuteMember($input: ModerateMemberInput!) {\n    unmuteMember(input: $input) {\n      ...RoomModerationState\n    }\n  }\n"): (typeof documents)["\n  mutation UnmuteMember($input: ModerateMemberInput!) {\n    unmuteMember(input: $input) {\n      ...RoomModerationState\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateRoom($input: UpdateRoomInput!) {\n    updateRoom(input: $input) {\n      ...RoomModerationState\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateRoom($input: UpdateRoomInput!) {\n    updateRoom(input: $input) {\n      ...RoomModerationState\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ArchiveRoom($input: ArchiveRoomInput!) {\n    archiveRoom(input: $input) {\n      ...RoomModerationState\n    }\n  }\n"): (typeof documents)["\n  mutation ArchiveRoom($input: ArchiveRoomInput!) {\n    archiveRoom(input: $input) {\n      ...RoomModerationState\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UnarchiveRoom($input: ArchiveRoomInput!) {\n    unarchiveRoom(input: $input) {\n      ...RoomModerationState\n    }\n  }\n"): (typeof documents)["\n  mutation UnarchiveRoom($input: ArchiveRoomInput!) {\n    unarchiveRoom(input: $input) {\n      ...RoomModerationState\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ReportMessage($input: ReportMessageInput!) {\n    reportMessage(input: $input)\n  }\n"): (typeof documents)["\n  mutation ReportMessage($input: ReportMessageInput!) {\n    reportMessage(input: $input)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RoomReports($roomId: ID!) {\n    roomReports(roomId: $roomId, first: 50) {\n      edges {\n        node {\n          id\n          reason\n          createdAt\n          reporter {\n            id\n            username\n            displayName\n          }\n          message {\n            id\n            body\n            deletedAt\n            author {\n              id\n              username\n              displayName\n            }\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query RoomReports($roomId: ID!) {\n    roomReports(roomId: $roomId, first: 50) {\n      edges {\n        node {\n          id\n          reason\n          createdAt\n          reporter {\n            id\n            username\n            displayName\n          }\n          message {\n            id\n            body\n            deletedAt\n            author {\n              id\n              username\n              displayName\n            }\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteReportedMessage($input: DeleteMessageInput!) {\n    deleteMessage(input: $input) {\n      id\n      body\n      deletedAt\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteReportedMessage($input: DeleteMessageInput!) {\n    deleteMessage(input: $input) {\n      id\n      body\n      deletedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateRoom($input: CreateRoomInput!) {\n    createRoom(input: $input) {\n      ...RoomSummary\n    }\n  }\n"): (typeof documents)["\n  mutation CreateRoom($input: CreateRoomInput!) {\n    createRoom(input: $input) {\n      ...RoomSummary\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation OpenDirectRoom($input: OpenDirectRoomInput!) {\n    openDirectRoom(input: $input) {\n      ...RoomSummary\n    }\n  }\n"): (typeof documents)["\n  mutation OpenDirectRoom($input: OpenDirectRoomInput!) {\n    openDirectRoom(input: $input) {\n      ...RoomSummary\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Room($roomId: ID!) {\n    room(id: $roomId) {\n      ...RoomSummary\n      ...RoomModerationState\n      viewerCanPin\n    }\n  }\n"): (typeof documents)["\n  query Room($roomId: ID!) {\n    room(id: $roomId) {\n      ...RoomSummary\n      ...RoomModerationState\n      viewerCanPin\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation InviteToRoom($input: InviteToRoomInput!) {\n    inviteToRoom(input: $input) {\n      id\n      memberCount\n    }\n  }\n"): (typeof documents)["\n  mutation InviteToRoom($input: InviteToRoomInput!) {\n    inviteToRoom(input: $input) {\n      id\n      memberCount\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query SearchMessages($query: String!) {\n    searchMessages(query: $query, first: 30) {\n      edges {\n        node {\n          id\n          seq\n          body\n          createdAt\n          threadRoot {\n            id\n            seq\n          }\n          author {\n            id\n            username\n            displayName\n          }\n          room {\n            id\n            name\n            kind\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query SearchMessages($query: String!) {\n    searchMessages(query: $query, first: 30) {\n      edges {\n        node {\n          id\n          seq\n          body\n          createdAt\n          threadRoot {\n            id\n            seq\n          }\n          author {\n            id\n            username\n            displayName\n          }\n          room {\n            id\n            name\n            kind\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RoomWebhooks($roomId: ID!) {\n    webhooks(roomId: $roomId) {\n      id\n      url\n      events\n      active\n      inactiveReason\n      createdAt\n    }\n  }\n"): (typeof documents)["\n  query RoomWebhooks($roomId: ID!) {\n    webhooks(roomId: $roomId) {\n      id\n      url\n      events\n      active\n      inactiveReason\n      createdAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query WebhookDeliveries($webhookId: ID!) {\n    webhookDeliveries(webhookId: $webhookId, first: 10) {\n      edges {\n        node {\n          id\n          seq\n          event\n          status\n          attempts\n          lastStatusCode\n          lastError\n          createdAt\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query WebhookDeliveries($webhookId: ID!) {\n    webhookDeliveries(webhookId: $webhookId, first: 10) {\n      edges {\n        node {\n          id\n          seq\n          event\n          status\n          attempts\n          lastStatusCode\n          lastError\n          createdAt\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateWebhook($input: CreateWebhookInput!) {\n    createWebhook(input: $input) {\n      secret\n      webhook {\n        id\n        url\n        events\n        active\n        inactiveReason\n        createdAt\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateWebhook($input: CreateWebhookInput!) {\n    createWebhook(input: $input) {\n      secret\n      webhook {\n        id\n        url\n        events\n        active\n        inactiveReason\n        createdAt\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteWebhook($input: WebhookIdInput!) {\n    deleteWebhook(input: $input)\n  }\n"): (typeof documents)["\n  mutation DeleteWebhook($input: WebhookIdInput!) {\n    deleteWebhook(input: $input)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription MyEvents {\n    myEvents {\n      __typename\n      ... on MessageCreated {\n        message {\n          ...MessageData\n        }\n      }\n      ... on MessageEdited {\n        message {\n          id\n          body\n          editedAt\n        }\n      }\n      ... on MessageDeleted {\n        message {\n          id\n          body\n          deletedAt\n        }\n      }\n      ... on ReactionChanged {\n        message {\n          id\n          reactions {\n            emoji\n            count\n            viewerReacted\n          }\n        }\n      }\n      ... on MessagePinned {\n        message {\n          id\n          pinnedAt\n          room {\n            id\n          }\n        }\n      }\n      ... on MessageUnpinned {\n        message {\n          id\n          pinnedAt\n          room {\n            id\n          }\n        }\n      }\n      ... on ThreadUpdated {\n        root {\n          id\n          replyCount\n          lastReplyAt\n        }\n      }\n      ... on UserUpdated {\n        user {\n          id\n          username\n          displayName\n          avatarUrl\n        }\n      }\n      ... on MemberJoined {\n        room {\n          ...RoomSummary\n        }\n        user {\n          id\n        }\n      }\n      ... on MemberLeft {\n        room {\n          id\n          memberCount\n          sharesReadReceipts\n        }\n        user {\n          id\n        }\n      }\n      ... on TypingChanged {\n        room {\n          id\n        }\n        user {\n          id\n          username\n          displayName\n        }\n        typing\n      }\n      ... on ReadReceipt {\n        room {\n          id\n        }\n        user {\n          id\n          username\n          displayName\n        }\n        lastReadSeq\n      }\n      ... on RoomUpdated {\n        room {\n          ...RoomModerationState\n        }\n      }\n      ... on MemberRoleChanged {\n        room {\n          id\n        }\n        user {\n          id\n        }\n        role\n      }\n      ... on MemberRemoved {\n        room {\n          id\n          memberCount\n          sharesReadReceipts\n        }\n        user {\n          id\n        }\n        banned\n      }\n      ... on MemberMuted {\n        room {\n          id\n        }\n        user {\n          id\n        }\n        until\n      }\n    }\n  }\n"): (typeof documents)["\n  subscription MyEvents {\n    myEvents {\n      __typename\n      ... on MessageCreated {\n        message {\n          ...MessageData\n        }\n      }\n      ... on MessageEdited {\n        message {\n          id\n          body\n          editedAt\n        }\n      }\n      ... on MessageDeleted {\n        message {\n          id\n          body\n          deletedAt\n        }\n      }\n      ... on ReactionChanged {\n        message {\n          id\n          reactions {\n            emoji\n            count\n            viewerReacted\n          }\n        }\n      }\n      ... on MessagePinned {\n        message {\n          id\n          pinnedAt\n          room {\n            id\n          }\n        }\n      }\n      ... on MessageUnpinned {\n        message {\n          id\n          pinnedAt\n          room {\n            id\n          }\n        }\n      }\n      ... on ThreadUpdated {\n        root {\n          id\n          replyCount\n          lastReplyAt\n        }\n      }\n      ... on UserUpdated {\n        user {\n          id\n          username\n          displayName\n          avatarUrl\n        }\n      }\n      ... on MemberJoined {\n        room {\n          ...RoomSummary\n        }\n        user {\n          id\n        }\n      }\n      ... on MemberLeft {\n        room {\n          id\n          memberCount\n          sharesReadReceipts\n        }\n        user {\n          id\n        }\n      }\n      ... on TypingChanged {\n        room {\n          id\n        }\n        user {\n          id\n          username\n          displayName\n        }\n        typing\n      }\n      ... on ReadReceipt {\n        room {\n          id\n        }\n        user {\n          id\n          username\n          displayName\n        }\n        lastReadSeq\n      }\n      ... on RoomUpdated {\n        room {\n          ...RoomModerationState\n        }\n      }\n      ... on MemberRoleChanged {\n        room {\n          id\n        }\n        user {\n          id\n        }\n        role\n      }\n      ... on MemberRemoved {\n        room {\n          id\n          memberCount\n          sharesReadReceipts\n        }\n        user {\n          id\n        }\n        banned\n      }\n      ... on MemberMuted {\n        room {\n          id\n        }\n        user {\n          id\n        }\n        until\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription OnlineCount {\n    onlineCount {\n      users\n      guests\n    }\n  }\n"): (typeof documents)["\n  subscription OnlineCount {\n    onlineCount {\n      users\n      guests\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment MessageData on Message {\n    id\n    seq\n    body\n    clientMessageId\n    createdAt\n    editedAt\n    deletedAt\n    author {\n      id\n      username\n      displayName\n      avatarUrl\n    }\n    room {\n      id\n    }\n    threadRootId\n    replyCount\n    lastReplyAt\n    pinnedAt\n    reactions {\n      emoji\n      count\n      viewerReacted\n    }\n    mentions {\n      id\n      username\n    }\n    attachments {\n      ...AttachmentData\n    }\n  }\n"): (typeof documents)["\n  fragment MessageData on Message {\n    id\n    seq\n    body\n    clientMessageId\n    createdAt\n    editedAt\n    deletedAt\n    author {\n      id\n      username\n      displayName\n      avatarUrl\n    }\n    room {\n      id\n    }\n    threadRootId\n    replyCount\n    lastReplyAt\n    pinnedAt\n    reactions {\n      emoji\n      count\n      viewerReacted\n    }\n    mentions {\n      id\n      username\n    }\n    attachments {\n      ...AttachmentData\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RoomMessages($roomId: ID!, $before: String) {\n    room(id: $roomId) {\n      id\n      messages(last: 50, before: $before) {\n        edges {\n          node {\n            ...MessageData\n          }\n        }\n        pageInfo {\n          hasPreviousPage\n          startCursor\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query RoomMessages($roomId: ID!, $before: String) {\n    room(id: $roomId) {\n      id\n      messages(last: 50, before: $before) {\n        edges {\n          node {\n            ...MessageData\n          }\n        }\n        pageInfo {\n          hasPreviousPage\n          startCursor\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RoomMessagesAfter($roomId: ID!, $after: String!) {\n    messages(roomId: $roomId, first: 50, after: $after) {\n      edges {\n        node {\n          ...MessageData\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query RoomMessagesAfter($roomId: ID!, $after: String!) {\n    messages(roomId: $roomId, first: 50, after: $after) {\n      edges {\n        node {\n          ...MessageData\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MessagesAround($roomId: ID!, $seq: Int!) {\n    messagesAround(roomId: $roomId, seq: $seq, limit: 50) {\n      edges {\n        node {\n          ...MessageData\n        }\n      }\n      pageInfo {\n        hasPreviousPage\n        hasNextPage\n        startCursor\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query MessagesAround($roomId: ID!, $seq: Int!) {\n    messagesAround(roomId: $roomId, seq: $seq, limit: 50) {\n      edges {\n        node {\n          ...MessageData\n        }\n      }\n      pageInfo {\n        hasPreviousPage\n        hasNextPage\n        startCursor\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ThreadMessages($messageId: ID!) {\n    threadMessages(messageId: $messageId, last: 100) {\n      edges {\n        node {\n          ...MessageData\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ThreadMessages($messageId: ID!) {\n    threadMessages(messageId: $messageId, last: 100) {\n      edges {\n        node {\n          ...MessageData\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query PinnedMessages($roomId: ID!) {\n    room(id: $roomId) {\n      id\n      pinnedMessages {\n        ...MessageData\n      }\n    }\n  }\n"): (typeof documents)["\n  query PinnedMessages($roomId: ID!) {\n    room(id: $roomId) {\n      id\n      pinnedMessages {\n        ...MessageData\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RoomMembers($roomId: ID!) {\n    room(id: $roomId) {\n      id\n      members(first: 100) {\n        edges {\n          node {\n            id\n            username\n            displayName\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query RoomMembers($roomId: ID!) {\n    room(id: $roomId) {\n      id\n      members(first: 100) {\n        edges {\n          node {\n            id\n            username\n            displayName\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation AddReaction($input: ReactionInput!) {\n    addReaction(input: $input) {\n      id\n      reactions {\n        emoji\n        count\n        viewerReacted\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation AddReaction($input: ReactionInput!) {\n    addReaction(input: $input) {\n      id\n      reactions {\n        emoji\n        count\n        viewerReacted\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemoveReaction($input: ReactionInput!) {\n    removeReaction(input: $input) {\n      id\n      reactions {\n        emoji\n        count\n        viewerReacted\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation RemoveReaction($input: ReactionInput!) {\n    removeReaction(input: $input) {\n      id\n      reactions {\n        emoji\n        count\n        viewerReacted\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation PinMessage($input: PinMessageInput!) {\n    pinMessage(input: $input) {\n      id\n      pinnedAt\n    }\n  }\n"): (typeof documents)["\n  mutation PinMessage($input: PinMessageInput!) {\n    pinMessage(input: $input) {\n      id\n      pinnedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UnpinMessage($input: PinMessageInput!) {\n    unpinMessage(input: $input) {\n      id\n      pinnedAt\n    }\n  }\n"): (typeof documents)["\n  mutation UnpinMessage($input: PinMessageInput!) {\n    unpinMessage(input: $input) {\n      id\n      pinnedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MessagesSince($roomId: ID!, $afterSeq: Int!, $first: Int!) {\n    messagesSince(roomId: $roomId, afterSeq: $afterSeq, first: $first) {\n      ...MessageData\n    }\n  }\n"): (typeof documents)["\n  query MessagesSince($roomId: ID!, $afterSeq: Int!, $first: Int!) {\n    messagesSince(roomId: $roomId, afterSeq: $afterSeq, first: $first) {\n      ...MessageData\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query RecentChanges($roomId: ID!) {\n    messages(roomId: $roomId, last: 50) {\n      edges {\n        node {\n          id\n          body\n          editedAt\n          deletedAt\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query RecentChanges($roomId: ID!) {\n    messages(roomId: $roomId, last: 50) {\n      edges {\n        node {\n          id\n          body\n          editedAt\n          deletedAt\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SendMessage($input: SendMessageInput!) {\n    sendMessage(input: $input) {\n      ...MessageData\n    }\n  }\n"): (typeof documents)["\n  mutation SendMessage($input: SendMessageInput!) {\n    sendMessage(input: $input) {\n      ...MessageData\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation EditMessage($input: EditMessageInput!) {\n    editMessage(input: $input) {\n      id\n      body\n      editedAt\n    }\n  }\n"): (typeof documents)["\n  mutation EditMessage($input: EditMessageInput!) {\n    editMessage(input: $input) {\n      id\n      body\n      editedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteMessage($input: DeleteMessageInput!) {\n    deleteMessage(input: $input) {\n      id\n      body\n      deletedAt\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteMessage($input: DeleteMessageInput!) {\n    deleteMessage(input: $input) {\n      id\n      body\n      deletedAt\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation MarkRead($input: MarkReadInput!) {\n    markRead(input: $input) {\n      id\n      viewerLastReadSeq\n      unreadCount\n    }\n  }\n"): (typeof documents)["\n  mutation MarkRead($input: MarkReadInput!) {\n    markRead(input: $input) {\n      id\n      viewerLastReadSeq\n      unreadCount\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SetTyping($input: SetTypingInput!) {\n    setTyping(input: $input)\n  }\n"): (typeof documents)["\n  mutation SetTyping($input: SetTypingInput!) {\n    setTyping(input: $input)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment NotificationItem on Notification {\n    id\n    kind\n    createdAt\n    readAt\n    actor {\n      id\n      username\n      displayName\n    }\n    room {\n      id\n      name\n      kind\n    }\n    message {\n      id\n      seq\n      body\n      threadRoot {\n        id\n        seq\n      }\n    }\n  }\n"): (typeof documents)["\n  fragment NotificationItem on Notification {\n    id\n    kind\n    createdAt\n    readAt\n    actor {\n      id\n      username\n      displayName\n    }\n    room {\n      id\n      name\n      kind\n    }\n    message {\n      id\n      seq\n      body\n      threadRoot {\n        id\n        seq\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query UnreadNotificationCount {\n    unreadNotificationCount\n  }\n"): (typeof documents)["\n  query UnreadNotificationCount {\n    unreadNotificationCount\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Inbox($after: String) {\n    notifications(first: 30, after: $after) {\n      edges {\n        node {\n          ...NotificationItem\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"): (typeof documents)["\n  query Inbox($after: String) {\n    notifications(first: 30, after: $after) {\n      edges {\n        node {\n          ...NotificationItem\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription NotificationAdded {\n    notificationAdded {\n      ...NotificationItem\n    }\n  }\n"): (typeof documents)["\n  subscription NotificationAdded {\n    notificationAdded {\n      ...NotificationItem\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation MarkNotificationsRead($input: MarkNotificationsReadInput!) {\n    markNotificationsRead(input: $input)\n  }\n"): (typeof documents)["\n  mutation MarkNotificationsRead($input: MarkNotificationsReadInput!) {\n    markNotificationsRead(input: $input)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment PersonItem on User {\n    id\n    username\n    displayName\n    avatarUrl\n    friendship\n  }\n"): (typeof documents)["\n  fragment PersonItem on User {\n    id\n    username\n    displayName\n    avatarUrl\n    friendship\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Friends {\n    friends(first: 100) {\n      edges {\n        node {\n          ...PersonItem\n        }\n      }\n    }\n    friendRequests(first: 100) {\n      edges {\n        node {\n          ...PersonItem\n        }\n      }\n    }\n    blockedUsers(first: 100) {\n      edges {\n        node {\n          ...PersonItem\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Friends {\n    friends(first: 100) {\n      edges {\n        node {\n          ...PersonItem\n        }\n      }\n    }\n    friendRequests(first: 100) {\n      edges {\n        node {\n          ...PersonItem\n        }\n      }\n    }\n    blockedUsers(first: 100) {\n      edges {\n        node {\n          ...PersonItem\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query BlockedUsers {\n    blockedUsers(first: 100) {\n      edges {\n        node {\n          id\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query BlockedUsers {\n    blockedUsers(first: 100) {\n      edges {\n        node {\n          id\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Person($id: ID!) {\n    node(id: $id) {\n      ... on User {\n        ...PersonItem\n      }\n    }\n  }\n"): (typeof documents)["\n  query Person($id: ID!) {\n    node(id: $id) {\n      ... on User {\n        ...PersonItem\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SendFriendRequest($input: UsernameInput!) {\n    sendFriendRequest(input: $input) {\n      ...PersonItem\n    }\n  }\n"): (typeof documents)["\n  mutation SendFriendRequest($input: UsernameInput!) {\n    sendFriendRequest(input: $input) {\n      ...PersonItem\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RespondToFriendRequest($input: FriendResponseInput!) {\n    respondToFriendRequest(input: $input) {\n      ...PersonItem\n    }\n  }\n"): (typeof documents)["\n  mutation RespondToFriendRequest($input: FriendResponseInput!) {\n    respondToFriendRequest(input: $input) {\n      ...PersonItem\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RemoveFriend($input: UsernameInput!) {\n    removeFriend(input: $input) {\n      ...PersonItem\n    }\n  }\n"): (typeof documents)["\n  mutation RemoveFriend($input: UsernameInput!) {\n    removeFriend(input: $input) {\n      ...PersonItem\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation BlockUser($input: UsernameInput!) {\n    blockUser(input: $input) {\n      ...PersonItem\n    }\n  }\n"): (typeof documents)["\n  mutation BlockUser($input: UsernameInput!) {\n    blockUser(input: $input) {\n      ...PersonItem\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UnblockUser($input: UsernameInput!) {\n    unblockUser(input: $input) {\n      ...PersonItem\n    }\n  }\n"): (typeof documents)["\n  mutation UnblockUser($input: UsernameInput!) {\n    unblockUser(input: $input) {\n      ...PersonItem\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Profile {\n    me {\n      id\n      username\n      displayName\n      avatarUrl\n      directMessagePolicy\n    }\n    myRooms(first: 1) {\n      edges {\n        node {\n          id\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query Profile {\n    me {\n      id\n      username\n      displayName\n      avatarUrl\n      directMessagePolicy\n    }\n    myRooms(first: 1) {\n      edges {\n        node {\n          id\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UpdateProfile($input: UpdateProfileInput!) {\n    updateProfile(input: $input) {\n      id\n      username\n      displayName\n      avatarUrl\n      directMessagePolicy\n    }\n  }\n"): (typeof documents)["\n  mutation UpdateProfile($input: UpdateProfileInput!) {\n    updateProfile(input: $input) {\n      id\n      username\n      displayName\n      avatarUrl\n      directMessagePolicy\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UploadAvatar($input: UploadAttachmentInput!) {\n    uploadAttachment(input: $input) {\n      id\n    }\n  }\n"): (typeof documents)["\n  mutation UploadAvatar($input: UploadAttachmentInput!) {\n    uploadAttachment(input: $input) {\n      id\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation MessageUser($input: OpenDirectRoomInput!) {\n    openDirectRoom(input: $input) {\n      id\n      name\n      kind\n    }\n  }\n"): (typeof documents)["\n  mutation MessageUser($input: OpenDirectRoomInput!) {\n    openDirectRoom(input: $input) {\n      id\n      name\n      kind\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query VapidPublicKey {\n    vapidPublicKey\n  }\n"): (typeof documents)["\n  query VapidPublicKey {\n    vapidPublicKey\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RegisterPush($input: PushSubscriptionInput!) {\n    registerPushSubscription(input: $input)\n  }\n"): (typeof documents)["\n  mutation RegisterPush($input: PushSubscriptionInput!) {\n    registerPushSubscription(input: $input)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation UnregisterPush($input: PushEndpointInput!) {\n    unregisterPushSubscription(input: $input)\n  }\n"): (typeof documents)["\n  mutation UnregisterPush($input: PushEndpointInput!) {\n    unregisterPushSubscription(input: $input)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment RoomSummary on Room {\n    id\n    name\n    kind\n    topic\n    memberCount\n    sharesReadReceipts\n    lastSeq\n    lastActivityAt\n    unreadCount\n    viewerLastReadSeq\n    viewerIsMember\n  }\n"): (typeof documents)["\n  fragment RoomSummary on Room {\n    id\n    name\n    kind\n    topic\n    memberCount\n    sharesReadReceipts\n    lastSeq\n    lastActivityAt\n    unreadCount\n    viewerLastReadSeq\n    viewerIsMember\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MyRooms {\n    myRooms(first: 100) {\n      edges {\n        node {\n          ...RoomSummary\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query MyRooms {\n    myRooms(first: 100) {\n      edges {\n        node {\n          ...RoomSummary\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query DirectMembers($roomId: ID!) {\n    room(id: $roomId) {\n      id\n      members(first: 2) {\n        edges {\n          node {\n            id\n            username\n            displayName\n            online\n          }\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query DirectMembers($roomId: ID!) {\n    room(id: $roomId) {\n      id\n      members(first: 2) {\n        edges {\n          node {\n            id\n            username\n            displayName\n            online\n          }\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation JoinRoom($input: JoinRoomInput!) {\n    joinRoom(input: $input) {\n      ...RoomSummary\n    }\n  }\n"): (typeof documents)["\n  mutation JoinRoom($input: JoinRoomInput!) {\n    joinRoom(input: $input) {\n      ...RoomSummary\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment SessionFields on AuthPayload {\n    accessToken\n    user {\n      id\n      username\n      displayName\n    }\n  }\n"): (typeof documents)["\n  fragment SessionFields on AuthPayload {\n    accessToken\n    user {\n      id\n      username\n      displayName\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      ...SessionFields\n    }\n  }\n"): (typeof documents)["\n  mutation Register($input: RegisterInput!) {\n    register(input: $input) {\n      ...SessionFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Login($input: LoginInput!) {\n    login(input: $input) {\n      ...SessionFields\n    }\n  }\n"): (typeof documents)["\n  mutation Login($input: LoginInput!) {\n    login(input: $input) {\n      ...SessionFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Refresh {\n    refreshToken(input: {}) {\n      ...SessionFields\n    }\n  }\n"): (typeof documents)["\n  mutation Refresh {\n    refreshToken(input: {}) {\n      ...SessionFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation Logout($allSessions: Boolean!) {\n    logout(input: { allSessions: $allSessions })\n  }\n"): (typeof documents)["\n  mutation Logout($allSessions: Boolean!) {\n    logout(input: { allSessions: $allSessions })\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;