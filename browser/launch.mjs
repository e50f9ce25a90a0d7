// Shared by the browser scripts that tests/support/browser.py runs.
//
// The Python side chooses everything machine-specific and hands it over in one
// environment variable, XPRESIGN_BROWSER_LAUNCH, a JSON object:
//   {"executablePath": "<the system Chromium>",
//    "args": ["--headless", "--no-sandbox", ...],
//    "userDataDir": "<a fresh, empty directory>"}
// so these scripts hold no paths. playwright-core drives that Chromium; it
// never downloads a browser of its own.
import { chromium } from 'playwright-core'

export function launchConfig() {
  const raw = process.env.XPRESIGN_BROWSER_LAUNCH
  if (!raw) {
    throw new Error(
      'XPRESIGN_BROWSER_LAUNCH is not set: run this script through tests/support/browser.py',
    )
  }
  const config = JSON.parse(raw)
  for (const name of ['executablePath', 'userDataDir']) {
    if (typeof config[name] !== 'string' || config[name] === '') {
      throw new Error(`XPRESIGN_BROWSER_LAUNCH: ${name} must be a non-empty string`)
    }
  }
  return config
}

// Only the test's own servers on 127.0.0.1 may be reached. The Python side
// makes Chromium resolve no host name but 127.0.0.1 (--host-resolver-rules),
// and every request to anything else is recorded here so that a test can
// assert there was none. This is deliberately passive: Playwright's request
// interception (page.route / context.route) answers CORS preflights itself, so
// a browser test that routes requests cannot prove a server's CORS headers.
function isLoopback(url) {
  const { protocol, hostname } = new URL(url)
  if (protocol === 'data:' || protocol === 'blob:' || protocol === 'about:') return true
  return hostname === '127.0.0.1'
}

// A headless Chromium with a persistent context in the fresh user data
// directory (Playwright wants that directory as a parameter, not as a
// --user-data-dir flag). Returns {context, page, offLoopback, consoleErrors,
// pageErrors}; call context.close() when done.
export async function launch({ viewport = { width: 1100, height: 760 } } = {}) {
  const { executablePath, args = [], userDataDir } = launchConfig()
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    args,
    headless: true,
    viewport,
  })
  const offLoopback = []
  context.on('request', (request) => {
    if (!isLoopback(request.url())) offLoopback.push(`${request.method()} ${request.url()}`)
  })
  const consoleErrors = []
  const pageErrors = []
  const page = context.pages()[0] ?? (await context.newPage())
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text())
  })
  page.on('pageerror', (error) => pageErrors.push(String(error)))
  return { context, page, offLoopback, consoleErrors, pageErrors }
}

// The one line of JSON the Python helper reads from stdout.
export function emit(result) {
  process.stdout.write(`${JSON.stringify(result)}\n`)
}

// Parses "--name value" pairs (the only argument form the helper passes).
export function parseArgs(argv = process.argv.slice(2)) {
  const options = {}
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i]
    if (!name.startsWith('--') || i + 1 >= argv.length) {
      throw new Error(`expected "--name value" pairs, got ${JSON.stringify(argv)}`)
    }
    options[name.slice(2)] = argv[i + 1]
  }
  return options
}
