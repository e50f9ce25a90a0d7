// Smoke test of the browser toolchain and of the vendored Uppy bundle.
//
//   node smoke.mjs --url http://127.0.0.1:PORT/index.html --screenshot OUT.png
//
// The page at --url loads the vendored uppy.min.js and uppy.min.css and has an
// empty <div id="uppy">. This script checks that the bundle defines
// window.Uppy with the Uppy, Dashboard and AwsS3 classes, mounts an inline
// Dashboard with the AwsS3 plugin in Companion mode (endpoint + headers, no
// upload is started), adds one small file, takes a screenshot and prints one
// line of JSON. Run it through tests/support/browser.py, which supplies the
// browser (see launch.mjs).
import { emit, launch, parseArgs } from './launch.mjs'

const options = parseArgs()
if (!options.url || !options.screenshot) {
  throw new Error('usage: node smoke.mjs --url URL --screenshot PATH')
}

const { context, page, offLoopback, consoleErrors, pageErrors } = await launch()
const requests = []
page.on('request', (request) => requests.push(`${request.method()} ${request.url()}`))

try {
  const response = await page.goto(options.url, { waitUntil: 'load' })
  await page.waitForFunction(() => typeof window.Uppy === 'object' && window.Uppy !== null, null, {
    timeout: 10_000,
  })

  const bundle = await page.evaluate(() => {
    const U = window.Uppy
    return {
      exports: Object.keys(U).sort(),
      classes: {
        Uppy: typeof U.Uppy,
        Dashboard: typeof U.Dashboard,
        AwsS3: typeof U.AwsS3,
      },
      versions: {
        core: U.Uppy?.VERSION ?? null,
        dashboard: U.Dashboard?.VERSION ?? null,
        awsS3: U.AwsS3?.VERSION ?? null,
      },
    }
  })

  const mounted = await page.evaluate(() => {
    const U = window.Uppy
    const uppy = new U.Uppy({ id: 'smoke', autoProceed: false })
      .use(U.Dashboard, {
        inline: true,
        target: '#uppy',
        height: 420,
        proudlyDisplayPoweredByUppy: false,
      })
      .use(U.AwsS3, {
        // Companion mode, as xpresign's pages will use it. Nothing is uploaded
        // here, so the endpoint is never called.
        endpoint: `${location.origin}/signer`,
        headers: { authorization: 'Bearer smoke-test' },
        shouldUseMultipart: (file) => file.size > 10 * 1024 * 1024,
      })
    window.smokeUppy = uppy
    uppy.addFile({
      name: 'hello.txt',
      type: 'text/plain',
      data: new Blob(['hello from the xpresign smoke test\n'], { type: 'text/plain' }),
    })
    const plugins = {}
    uppy.iteratePlugins((plugin) => {
      plugins[plugin.id] = { type: plugin.type, version: plugin.constructor.VERSION ?? null }
    })
    return { plugins, files: uppy.getFiles().map((f) => ({ name: f.name, type: f.type, size: f.size })) }
  })

  await page.waitForSelector('#uppy .uppy-Dashboard-Item', { timeout: 10_000 })
  const rendered = await page.evaluate(() => {
    const dashboard = document.querySelector('#uppy .uppy-Dashboard')
    const sheets = [...document.styleSheets].filter((s) => (s.href ?? '').endsWith('/uppy.min.css'))
    return {
      dashboard: dashboard !== null,
      dashboardItems: document.querySelectorAll('#uppy .uppy-Dashboard-Item').length,
      uploadButton: document.querySelector('#uppy .uppy-StatusBar-actionBtn--upload')?.textContent ?? null,
      // The stylesheet applied: a laid-out Dashboard is not the unstyled default.
      cssRules: sheets.reduce((n, s) => n + s.cssRules.length, 0),
      innerPosition: dashboard ? getComputedStyle(dashboard.querySelector('.uppy-Dashboard-inner')).position : null,
      uploadButtonColor: (() => {
        const button = document.querySelector('#uppy .uppy-StatusBar-actionBtn--upload')
        return button ? getComputedStyle(button).backgroundColor : null
      })(),
    }
  })

  await page.screenshot({ path: options.screenshot, fullPage: true })

  emit({
    ok: true,
    status: response?.status() ?? null,
    userAgent: await page.evaluate(() => navigator.userAgent),
    bundle,
    ...mounted,
    rendered,
    screenshot: options.screenshot,
    requests,
    offLoopback,
    consoleErrors,
    pageErrors,
  })
} finally {
  await context.close()
}
