// Before any test file runs, once: what `npm start` builds first (prestart), made or found up to
// date. The server processes the tests spawn run the compiled server (server/dist), and the
// browser tests load the web app's production build; built here, no two files build them at once.
import { runBuild } from './build.js';

export default function setup() {
  runBuild('scripts/build-web.mjs');
  runBuild('scripts/build-server.mjs');
}
