import { builder } from './builder.js';

export const UserRef = builder.prismaNode('User', {
  id: { field: 'id' },
  // Load only the columns a query asks for (never the password hash).
  select: { id: true },
  fields: (t) => ({
    username: t.exposeString('username'),
    displayName: t.exposeString('displayName', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.queryField('me', (t) =>
  t.prismaField({
    type: 'User',
    nullable: true,
    description: 'The signed-in user; null for guests.',
    resolve: (query, _root, _args, ctx) =>
      ctx.viewer ? ctx.services.db.prisma.user.findUnique({ ...query, where: { id: ctx.viewer.userId } }) : null,
  }),
);

export const UserConnection = builder.connectionObject({ type: UserRef, name: 'UserConnection' });
