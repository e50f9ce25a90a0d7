// The page of `xpresign demo --serve`, used as a visitor would use it.
//
//   node demo_page.mjs --url http://127.0.0.1:PORT/demo/ --downloads DIR \
//        --clicks '[{"key": "movies/a.mp4", "expires": 900}]' --uploads '["/path/a.bin"]' --screenshot OUT.png
//
// For each click: choose the expiry in the page's select, click the movie's
// link, and save the download the browser starts (the page fetched a
// presigned URL from the server's JSON API, then followed it). Then pick the
// --uploads files with Uppy's Dashboard, press Upload, and wait until the
// page lists each upload with its link. Prints one line of JSON: the saved
// downloads with the API's answers, the page's result rows, Uppy's events, and
// the page's requests. Run it through tests/support/browser.py (launch.mjs).
import path from 'node:path'
import { emit, launch, parseArgs } from './launch.mjs'

const options = parseArgs()
for (const name of ['url', 'downloads', 'clicks', 'uploads']) {
  if (!options[name]) throw new Error(`--${name} is required`)
}
const clicks = JSON.parse(options.clicks)
const uploads = JSON.parse(options.uploads)
const timeout = Number(options.timeout ?? 30_000)

const { context, page, offLoopback, consoleErrors, pageErrors } = await launch({
  viewport: { width: 1280, height: 800 },
})
const origin = new URL(options.url).origin
const requests = []
page.on('requestfinished', async (request) => {
  const entry = { method: request.method(), url: request.url(), status: null }
  requests.push(entry)
  entry.status = (await request.response())?.status() ?? null
})
page.on('requestfailed', (request) => {
  requests.push({ method: request.method(), url: request.url(), status: null, failure: request.failure()?.errorText })
})

// The JSON API's answer to the page (GET /?key=...), as the page received it.
function apiAnswer() {
  return page
    .waitForResponse((response) => {
      const url = new URL(response.url())
      return url.origin === origin && url.pathname === '/' && url.searchParams.has('key')
    }, { timeout })
    .then((response) => response.json())
}

try {
  const response = await page.goto(options.url, { waitUntil: 'load' })
  await page.locator('body[data-ready="true"]').waitFor({ timeout })
  const movies = await page.locator('#movies a').evaluateAll((links) => links.map((a) => a.dataset.key))

  const downloads = []
  for (const [index, click] of clicks.entries()) {
    await page.selectOption('#expires', String(click.expires))
    const [download, answer] = await Promise.all([
      page.waitForEvent('download', { timeout }),
      apiAnswer(),
      page.locator('#movies').getByRole('link', { name: click.key, exact: true }).click(),
    ])
    const saved = path.join(options.downloads, `${index}-${download.suggestedFilename()}`)
    await download.saveAs(saved)
    downloads.push({ ...click, path: saved, suggestedFilename: download.suggestedFilename(), answer })
  }

  await page.evaluate(() => {
    const events = { success: [], error: [] }
    window.demoUppy.on('upload-success', (file, response) =>
      events.success.push({ name: file.name, size: file.size, key: response.body?.key ?? null }),
    )
    window.demoUppy.on('upload-error', (file, error) => events.error.push({ name: file?.name, message: error?.message }))
    window.proofEvents = events
  })
  await page.locator('#upload input.uppy-Dashboard-input').first().setInputFiles(uploads)
  await page.locator('#upload .uppy-StatusBar-actionBtn--upload').click()
  // Each upload is listed once the page has its download link. An upload
  // that never ends (S3's CORS hiding ETag) is reported, not thrown.
  const uploadTimedOut = await page
    .waitForFunction(
      (n) =>
        document.querySelectorAll('#results tr[data-kind="upload"]').length >= n ||
        window.proofEvents.error.length > 0,
      uploads.length,
      { timeout },
    )
    .then(() => false)
    .catch(() => true)
  await page.locator('#upload .uppy-StatusBar.is-complete').waitFor({ timeout: 5_000 }).catch(() => {})
  await page.waitForTimeout(400)

  const rows = await page.locator('#results tbody tr').evaluateAll((trs) =>
    trs.map((tr) => ({
      kind: tr.dataset.kind,
      key: tr.dataset.key,
      expiresIn: Number(tr.dataset.expiresIn),
      cappedBy: tr.dataset.cappedBy || null,
      cells: [...tr.cells].map((td) => td.textContent),
      href: tr.querySelector('a')?.href ?? null,
    })),
  )
  const status = await page.locator('#status').textContent()
  if (options.screenshot) await page.screenshot({ path: options.screenshot, fullPage: true })

  emit({
    ok: true,
    status: response?.status() ?? null,
    movies,
    downloads,
    uploadTimedOut,
    uppyFiles: await page.evaluate(() =>
      window.demoUppy.getFiles().map((f) => ({ name: f.name, progress: f.progress, error: f.error ?? null })),
    ),
    events: await page.evaluate(() => window.proofEvents),
    rows,
    pageStatus: status,
    requests,
    offLoopback,
    consoleErrors,
    pageErrors,
  })
} finally {
  await context.close()
}
