// Uppy uploads through `xpresign serve`, in headless Chromium, as a user would.
//
//   node uppy_upload.mjs --url PAGE --endpoint XPRESIGN --token JWT \
//        --multipart-above BYTES --steps '[{"files": ["/path/a.bin"], "screenshot": "/out/a.png"}]'
//
// The page at --url loads the vendored Uppy bundle and has an empty
// <div id="uppy">. This script mounts Uppy there (Dashboard + AwsS3 in
// Companion mode: `endpoint` and `headers: {authorization: "Bearer <JWT>"}`),
// then for each step picks the step's files with the Dashboard's file input,
// clicks its Upload button, and waits for Uppy's `complete` event. It prints
// one line of JSON: for each step, what Uppy reported (successes with their
// key and location, failures with the message the user sees), the Dashboard's
// status text, and every request the page made with its status. A step whose
// upload never completes (S3's CORS hiding ETag makes Uppy wait forever) is
// reported as timed out. Run it through tests/support/browser.py (launch.mjs).
import { emit, launch, parseArgs } from './launch.mjs'

const options = parseArgs()
for (const name of ['url', 'endpoint', 'token', 'steps']) {
  if (!options[name]) throw new Error(`--${name} is required`)
}
const steps = JSON.parse(options.steps)
const multipartAbove = Number(options['multipart-above'] ?? 10 * 1024 * 1024)
const stepTimeout = Number(options['step-timeout'] ?? 30_000)

const { context, page, offLoopback, consoleErrors, pageErrors } = await launch({
  viewport: { width: 900, height: 640 },
})
const requests = []
page.on('requestfinished', async (request) => {
  const entry = { method: request.method(), url: request.url(), status: null }
  requests.push(entry) // in the order they finished
  const response = await request.response()
  entry.status = response?.status() ?? null
  // An error's body (S3's XML, xpresign's JSON), for the test to read the code.
  if (entry.status >= 400) entry.body = ((await response.text().catch(() => '')) ?? '').slice(0, 600)
})
page.on('requestfailed', (request) => {
  requests.push({ method: request.method(), url: request.url(), status: null, failure: request.failure()?.errorText })
})

try {
  const response = await page.goto(options.url, { waitUntil: 'load' })
  await page.waitForFunction(() => typeof window.Uppy === 'object' && window.Uppy !== null, null, {
    timeout: 10_000,
  })
  await page.evaluate(
    ({ endpoint, token, multipartAbove }) => {
      const U = window.Uppy
      const events = { success: [], error: [], complete: [] }
      const uppy = new U.Uppy({ id: 'xpresign-proof' })
        .use(U.Dashboard, {
          inline: true,
          target: '#uppy',
          height: 470,
          width: '100%',
          proudlyDisplayPoweredByUppy: false,
        })
        .use(U.AwsS3, {
          endpoint,
          headers: { authorization: `Bearer ${token}` },
          shouldUseMultipart: (file) => file.size > multipartAbove,
        })
      // What happened, in words, under the Dashboard (for the screenshots).
      const say = (text, kind) => {
        const item = document.createElement('li')
        item.className = kind
        item.textContent = text
        document.querySelector('#log')?.append(item)
      }
      uppy.on('upload-success', (file, response) => {
        say(`${file.name} (${file.size.toLocaleString('en')} bytes) stored as ${response.body?.key}`, 'ok')
        events.success.push({
          name: file.name,
          size: file.size,
          key: response.body?.key ?? null,
          location: response.uploadURL ?? null,
        })
      })
      uppy.on('upload-error', (file, error) => {
        say(`${file?.name} (${file?.size?.toLocaleString('en')} bytes) refused: ${error?.message}`, 'error')
        events.error.push({ name: file?.name ?? null, message: error?.message ?? String(error) })
      })
      uppy.on('complete', (result) => {
        events.complete.push({
          successful: (result.successful ?? []).map((f) => f.name),
          failed: (result.failed ?? []).map((f) => f.name),
        })
      })
      window.proof = { uppy, events }
    },
    { endpoint: options.endpoint, token: options.token, multipartAbove },
  )

  const results = []
  for (const step of steps) {
    const completed = await page.evaluate(() => window.proof.events.complete.length)
    const started = Date.now()
    const input = page.locator('#uppy input.uppy-Dashboard-input').first()
    // After an upload the Dashboard lists files; its "Add more" button brings the file picker back.
    if ((await input.count()) === 0) await page.locator('#uppy .uppy-DashboardContent-addMore').click()
    await input.setInputFiles(step.files)
    await page.locator('#uppy .uppy-StatusBar-actionBtn--upload').click()
    let timedOut = false
    try {
      await page.waitForFunction((n) => window.proof.events.complete.length > n, completed, {
        timeout: stepTimeout,
      })
    } catch {
      timedOut = true
    }
    const seconds = (Date.now() - started) / 1000
    // Let the Dashboard render its final state (it throttles progress updates) before the screenshot.
    if (!timedOut) {
      await page
        .locator('#uppy .uppy-StatusBar.is-complete, #uppy .uppy-StatusBar.is-error')
        .waitFor({ timeout: 5_000 })
        .catch(() => {})
      await page.waitForTimeout(400)
    }
    const state = await page.evaluate((n) => {
      const { uppy, events } = window.proof
      return {
        complete: events.complete[n] ?? null,
        files: uppy.getFiles().map((f) => ({
          name: f.name,
          size: f.size,
          uploadComplete: Boolean(f.progress?.uploadComplete),
          error: f.error ?? null,
          key: f.s3Multipart?.key ?? null,
        })),
        statusBar: document.querySelector('#uppy .uppy-StatusBar')?.innerText?.trim() ?? null,
        itemErrors: [...document.querySelectorAll('#uppy .uppy-Dashboard-Item.is-error')].map(
          (item) => item.querySelector('.uppy-Dashboard-Item-name')?.textContent ?? '',
        ),
      }
    }, completed)
    if (step.screenshot) await page.screenshot({ path: step.screenshot, fullPage: true })
    results.push({ timedOut, seconds, ...state, screenshot: step.screenshot || null })
  }
  const events = await page.evaluate(() => window.proof.events)

  emit({
    ok: true,
    status: response?.status() ?? null,
    steps: results,
    events,
    requests,
    offLoopback,
    consoleErrors,
    pageErrors,
  })
} finally {
  await context.close()
}
