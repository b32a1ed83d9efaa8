import { useState, type FormEvent } from 'react';
import { useQuery } from 'urql';
import { graphql } from '../gql';
import { displayName } from '../rooms';
import { Link, messagePath, roomPath } from '../router';
import { errorText } from './errors';

const SearchMessagesQuery = graphql(`
  query SearchMessages($query: String!) {
    searchMessages(query: $query, first: 30) {
      edges {
        node {
          id
          seq
          body
          createdAt
          threadRoot {
            id
            seq
          }
          author {
            id
            username
            displayName
          }
          room {
            id
            name
            kind
          }
        }
      }
    }
  }
`);

const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** Full-text search over every message the viewer may read, best match first. */
export function Search() {
  const [query, setQuery] = useState('');
  const [{ data, error, fetching }] = useQuery({
    query: SearchMessagesQuery,
    variables: { query },
    pause: !query,
    requestPolicy: 'network-only',
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setQuery(String(new FormData(event.currentTarget).get('query') ?? '').trim());
  };
  const hits = data?.searchMessages.edges.map((edge) => edge.node) ?? [];

  return (
    <section className="panel" aria-labelledby="search-title">
      <Link to="/" className="back">
        <span aria-hidden="true">‹ </span>Rooms
      </Link>
      <h2 id="search-title">Search messages</h2>
      <form className="search" role="search" onSubmit={submit}>
        <label>
          Words to find
          <input type="search" name="query" required maxLength={200} />
        </label>
        <button type="submit">Search</button>
      </form>
      {error && (
        <p className="error" role="alert">
          {errorText(error)}
        </p>
      )}
      <div aria-live="polite" aria-busy={fetching}>
        {data && <p className="hint">{hits.length === 0 ? 'Nothing found.' : `${hits.length} found`}</p>}
        <ol className="results">
          {hits.map((hit) => (
            <li key={hit.id}>
              <p className="meta">
                <Link to={roomPath(hit.room.id)}>{hit.room.kind === 'DIRECT' ? 'Direct message' : hit.room.name}</Link>
                {' · '}
                {displayName(hit.author)} ·{' '}
                <time dateTime={hit.createdAt}>{dateTimeFormat.format(new Date(hit.createdAt))}</time>
              </p>
              <p className="body">
                <Link to={messagePath(hit.room.id, hit.threadRoot?.seq ?? hit.seq)}>{hit.body}</Link>
              </p>
            </li>
          ))}
        </ol>
      </div>
    </section>
  );
}
