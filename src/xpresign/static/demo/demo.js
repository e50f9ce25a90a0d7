// The page of `xpresign demo --serve` (see xpresign/demo_page.py).
//
// Everything it calls is on this server, with no credential (the demo's server
// listens on 127.0.0.1 only): the JSON API, `GET /?key=...`, for presigned
// download links, and Uppy's signing routes under /s3/ for uploads. The bytes
// go straight between the browser and the bucket.
'use strict'

// Every file goes multipart here, even a small one (a multipart upload of one
// part). Against AWS a page would send small files as one POST (a policy that
// caps the size), but the demo's S3 is moto, whose answer to a form POST (5.2)
// carries no ETag, and Uppy 5 waits for one forever. Multipart also keeps the
// size limit on moto: xpresign sums the parts at complete, where moto ignores a
// policy's conditions.
const useMultipart = () => true

const $ = (selector) => document.querySelector(selector)

function say(text, isError = false) {
  const status = $('#status')
  status.textContent = text
  status.classList.toggle('error', isError)
}

// A presigned GET from the JSON API; `filename` makes the browser save it.
async function presign(key, expiresIn) {
  const query = new URLSearchParams({ key, expires_in: String(expiresIn), filename: basename(key) })
  const response = await fetch(`/?${query}`, { headers: { accept: 'application/json' } })
  const body = await response.json()
  if (!response.ok) throw new Error(body.error ? `${body.error.code}: ${body.error.message}` : `HTTP ${response.status}`)
  return body
}

function basename(key) {
  return key.slice(key.lastIndexOf('/') + 1)
}

// The URL's path without its query string, which holds the signature and the session token.
function shown(url) {
  return `${new URL(url).pathname}?…`
}

function cell(row, text, className) {
  const td = row.insertCell()
  td.textContent = text
  if (className) td.className = className
  return td
}

function addResult(kind, answer, asked, size) {
  const row = $('#results tbody').insertRow(0)
  row.dataset.kind = kind
  row.dataset.key = answer.key
  row.dataset.expiresIn = String(answer.expires_in)
  row.dataset.cappedBy = answer.capped_by ?? ''
  cell(row, kind)
  cell(row, answer.key)
  cell(row, size == null ? '' : size.toLocaleString('en'), 'number')
  cell(row, String(asked), 'number')
  cell(row, String(answer.expires_in), 'number')
  cell(row, answer.capped_by ?? 'null', answer.capped_by ? 'capped' : '')
  cell(row, answer.expires_at, 'time')
  const link = document.createElement('a')
  link.href = answer.url
  link.textContent = shown(answer.url)
  link.title = 'the presigned URL (its query string holds the signature)'
  link.rel = 'noreferrer'
  cell(row, '', 'url').append(link)
}

function asked() {
  return Number($('#expires').value)
}

async function download(key) {
  const expiresIn = asked()
  say(`Asking for a link to ${key}…`)
  try {
    const answer = await presign(key, expiresIn)
    addResult('download', answer, expiresIn, null)
    say(`Downloading ${key}: expires_in ${answer.expires_in} s, capped_by ${answer.capped_by ?? 'null'}.`)
    // The URL carries response-content-disposition: attachment, so this saves
    // the file and the page stays.
    window.location.assign(answer.url)
  } catch (error) {
    say(`${key}: ${error.message}`, true)
  }
}

function listMovies(movies) {
  const list = $('#movies')
  for (const key of movies) {
    const link = document.createElement('a')
    link.href = '#'
    link.dataset.key = key
    link.textContent = key
    link.addEventListener('click', (event) => {
      event.preventDefault()
      download(key)
    })
    const item = document.createElement('li')
    item.append(link)
    list.append(item)
  }
}

function startUppy() {
  const uppy = new Uppy.Uppy({ id: 'xpresign-demo' })
    .use(Uppy.Dashboard, {
      inline: true,
      target: '#upload',
      height: 300,
      width: '100%',
      proudlyDisplayPoweredByUppy: false,
    })
    .use(Uppy.AwsS3, {
      // This server: Uppy appends /s3/params, /s3/multipart, ...
      endpoint: window.location.origin,
      shouldUseMultipart: useMultipart,
    })
  uppy.on('upload-success', async (file, response) => {
    const key = response.body?.key
    if (!key) return
    const expiresIn = asked()
    try {
      addResult('upload', await presign(key, expiresIn), expiresIn, file.size)
      say(`Uploaded ${file.name} as ${key}.`)
    } catch (error) {
      say(`Uploaded ${file.name} as ${key}, but no link: ${error.message}`, true)
    }
  })
  uppy.on('upload-error', (file, error) => say(`${file?.name ?? 'upload'}: ${error.message}`, true))
  return uppy
}

async function main() {
  const response = await fetch('/demo/config.json')
  const config = await response.json()
  $('#bucket').textContent = config.bucket
  $('#upload-prefix').textContent = config.upload_prefix
  listMovies(config.movies)
  window.demoUppy = startUppy()
  document.body.dataset.ready = 'true'
}

main().catch((error) => say(`The page could not start: ${error.message}`, true))
