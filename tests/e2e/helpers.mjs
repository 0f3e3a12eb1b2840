// Shared by the browser tests: the browser, a page that fails on any
// console error, page error or CSP violation, axe-core, screenshots, and
// small clients for the API and the database.
//
// scripts/run-tests starts the real server (test flavor, sanitizers on) at
// SG_BASE_URL on a fresh, seeded test database (DATABASE_URL) and runs
// these files with node's test runner, one file at a time.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
	mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));

export const ROOT = path.resolve(here, '../..');
export const BASE = (process.env.SG_BASE_URL || 'http://127.0.0.1:8890')
	.replace(/\/$/, '');
export const OUT = process.env.SG_OUT || path.join(ROOT, 'out', 'e2e');
export const PASSWORD = 'a sound passphrase 42';
export const EN_SLUG = 'child-abuse-foundations';
export const ES_SLUG = 'abuso-infantil-fundamentos';

mkdirSync(OUT, { recursive: true });

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'),
	'utf8');

export function messages(lang) {
	return JSON.parse(readFileSync(path.join(ROOT, 'assets', 'i18n',
		`${lang}.json`), 'utf8'));
}

// A message as the page shows it, for a language or a full tag ("es-ES"):
// plural forms by vars.n, numbers in slots written as that tag writes them.
export function msg(tag, key, vars = {}) {
	const lang = tag.split('-')[0];
	let m = messages(lang)[key];
	assert.ok(m !== undefined, `no message ${key} in ${lang}`);
	if (typeof m === 'object')
		m = m[new Intl.PluralRules(tag).select(vars.n ?? 0)] ?? m.other;
	return m.replace(/\{(\w+)\}/g, (all, k) => {
		if (!(k in vars))
			return all;
		const v = vars[k];
		return typeof v === 'number' ? new Intl.NumberFormat(tag).format(v) :
			String(v);
	});
}

// A message from the learner or the staff catalog, as the page writes it.
// For the staff pages, which read both catalogs.
export function smsg(tag, key, vars = {}) {
	const lang = tag.split('-')[0];
	const all = { ...messages(lang), ...messages(`staff.${lang}`) };
	let m = all[key];
	assert.ok(m !== undefined, `no message ${key} in ${lang}`);
	if (typeof m === 'object')
		m = m[new Intl.PluralRules(tag).select(vars.n ?? 0)] ?? m.other;
	return m.replace(/\{(\w+)\}/g, (a, k) => (k in vars ? (typeof vars[k] ===
		'number' ? new Intl.NumberFormat(tag).format(vars[k]) :
		String(vars[k])) : a));
}

// Fails when the page is wider than the screen (a phone's 360 px).
export async function notWider(page, where) {
	const w = await page.evaluate(() => [
		document.documentElement.scrollWidth, innerWidth]);
	assert.ok(w[0] <= w[1], `${where} is ${w[0]} px wide on a ${w[1]} px screen`);
}

export async function launch() {
	return chromium.launch({
		executablePath: process.env.SG_CHROMIUM || '/usr/bin/chromium',
		args: ['--headless', '--no-sandbox', '--disable-gpu',
			'--disable-background-networking', '--disable-component-update',
			'--disable-sync', '--no-first-run'],
	});
}

/*
 * A page that records everything that must not happen: console errors,
 * uncaught exceptions, CSP (and Trusted Types) violations, dialogs, and
 * HTML documents served without a strict CSP. allow(fn) accepts console
 * errors a test provokes on purpose (a 403 for a locked lesson, requests
 * the test itself aborts); assertClean() fails on anything else.
 */
export async function openPage(browser, opts = {}) {
	const context = await browser.newContext({
		baseURL: BASE,
		locale: opts.locale || 'en-GB',
		viewport: opts.viewport || { width: 1280, height: 720 },
		reducedMotion: 'reduce',
	});
	const page = await context.newPage();
	const problems = [];
	const allowed = [];
	const documents = [];

	page.on('console', (m) => {
		if (m.type() !== 'error')
			return;
		const entry = { text: m.text(), url: m.location().url || '' };
		if (!allowed.some((fn) => fn(entry)))
			problems.push(`console error: ${entry.text} (${entry.url})`);
	});
	page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
	page.on('dialog', (d) => {
		problems.push(`dialog opened: ${d.type()} ${d.message()}`);
		d.dismiss().catch(() => {});
	});
	page.on('response', (r) => {
		if (r.request().resourceType() !== 'document')
			return;
		const csp = r.headers()['content-security-policy'] || '';
		documents.push({ url: r.url(), csp });
		if (!/script-src 'self'/.test(csp) || /unsafe-(inline|eval)/.test(csp) ||
		    !/frame-ancestors 'none'/.test(csp))
			problems.push(`weak or missing CSP on ${r.url()}: ${csp}`);
	});
	await page.exposeBinding('__sgViolation', (src, v) => {
		problems.push(`CSP violation: ${v.directive} blocked ${v.blocked} ` +
			`at ${v.source}:${v.line}`);
	});
	await page.addInitScript(() => {
		document.addEventListener('securitypolicyviolation', (e) => {
			window.__sgViolation({ directive: e.violatedDirective,
				blocked: e.blockedURI, source: e.sourceFile,
				line: e.lineNumber });
		});
	});

	return {
		page, context, problems, documents,
		allow(fn) {
			allowed.push(fn);
			return () => allowed.splice(allowed.indexOf(fn), 1);
		},
		assertClean(what = '') {
			assert.deepEqual(problems, [], `problems ${what}`);
		},
		async close() {
			await context.close();
		},
	};
}

// Waits for the shell to have drawn its first page.
export async function ready(page) {
	await page.waitForSelector('html[data-ready="1"]');
}

// Findings that fail a test whatever axe's impact says: headings in order
// is a WCAG 2.1 AA basic (1.3.1) that axe rates only moderate.
const AXE_ALWAYS = ['heading-order'];

// Runs axe-core on the page as it is; fails on serious or critical issues
// and on those in AXE_ALWAYS.
export async function axe(page, name) {
	const has = await page.evaluate(() => typeof window.axe === 'object');
	if (!has)
		await page.evaluate(AXE_SOURCE);
	const result = await page.evaluate(() => window.axe.run(document, {
		resultTypes: ['violations'],
		runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a',
			'wcag21aa', 'best-practice'] },
	}));
	const bad = result.violations.filter((v) => v.impact === 'serious' ||
		v.impact === 'critical' || AXE_ALWAYS.includes(v.id));
	assert.deepEqual(bad.map((v) => `${v.id} (${v.impact}): ${v.help} -- ` +
		v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(' | ')), [],
	`axe on ${name}`);
	return result;
}

export async function shot(page, name) {
	await page.screenshot({ path: path.join(OUT, `${name}.png`),
		fullPage: true });
}

// The scroll fraction the reader reports as position.
export function scrollFraction(page) {
	return page.evaluate(() => {
		const max = document.documentElement.scrollHeight - innerHeight;
		return max > 0 ? scrollY / max : 1;
	});
}

export async function scrollTo(page, f) {
	await page.evaluate((x) => {
		const max = document.documentElement.scrollHeight - innerHeight;
		window.scrollTo(0, Math.round(x * max));
	}, f);
	// Let the scroll event and any observer run.
	await page.waitForTimeout(150);
}

// ---------------------------------------------------------------- API

export function uniqueEmail(tag) {
	return `${tag}-${randomUUID().slice(0, 12)}@example.org`;
}

// body goes as JSON; form (FormData) as multipart, its type set by fetch.
export async function apiFetch(method, p, { body, form, token,
    headers: extra } = {}) {
	const headers = { ...extra };
	let payload = form;
	if (body !== undefined) {
		headers['content-type'] = 'application/json';
		payload = JSON.stringify(body);
	}
	if (token)
		headers.authorization = `Bearer ${token}`;
	const r = await fetch(BASE + p, { method, headers, body: payload });
	const text = await r.text();
	return { status: r.status, body: text ? JSON.parse(text) : null };
}

export async function registerUser(extra = {}) {
	const body = { email: uniqueEmail('e2e'), password: PASSWORD,
		display_name: 'Test Person', country: 'PH', profession: 'health',
		language: 'en', ...extra };
	const r = await apiFetch('POST', '/api/v1/auth/register', { body });
	assert.equal(r.status, 201, JSON.stringify(r.body));
	return body;
}

export async function apiLogin(email, password = PASSWORD) {
	const r = await apiFetch('POST', '/api/v1/auth/login',
		{ body: { email, password } });
	assert.equal(r.status, 200, JSON.stringify(r.body));
	return r.body.access_token;
}

// A new learner, signed in through the API and enrolled in a course, with
// the course's outline.
export async function enrolledLearner(slug) {
	const user = await registerUser();
	const token = await apiLogin(user.email);
	const enr = await apiFetch('POST', `/api/v1/courses/${slug}/enrollment`,
		{ token });
	assert.ok(enr.status === 201 || enr.status === 200,
		JSON.stringify(enr.body));
	const outline = (await apiFetch('GET', `/api/v1/courses/${slug}`)).body;
	return { user, token, outline };
}

// A new instructor and a course made with body ({ slug, title, ... }) through
// the authoring API, not yet published.
export async function instructorCourse(body) {
	const author = await registerUser();
	psql(`UPDATE users SET role = 'instructor'
	    WHERE lower(email) = lower(:'email')`, { email: author.email });
	const token = await apiLogin(author.email);
	const made = await apiFetch('POST', '/api/v1/instructor/courses',
		{ token, body });
	assert.equal(made.status, 201, JSON.stringify(made.body));
	return { token, slug: body.slug };
}

// ---------------------------------------------------------------- SQL

// Runs SQL on the test database; vars become psql variables (:'name').
export function psql(sql, vars = {}) {
	const url = process.env.DATABASE_URL;
	assert.ok(url, 'DATABASE_URL is not set (scripts/run-tests sets it)');
	const args = [url, '-X', '-q', '-tA', '-v', 'ON_ERROR_STOP=1'];
	for (const [k, v] of Object.entries(vars))
		args.push('-v', `${k}=${v}`);
	return execFileSync('psql', args, { input: sql, encoding: 'utf8' })
		.trim();
}

// ---------------------------------------------------------------- browser session

// Signs the browser in as the pages do (cookies, not tokens), without the
// form: for tests about what comes after.
export async function signInBrowser(page, email, password = PASSWORD) {
	if (!page.url().startsWith(BASE))
		await page.goto('/signin');
	const status = await page.evaluate(async ([e, p]) => {
		const r = await fetch('/api/v1/auth/login', { method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify({ email: e, password: p, cookie: true }) });
		return r.status;
	}, [email, password]);
	assert.equal(status, 200);
}

// A page (openPage's session) signed in as email, at /signin.
export async function signedInPage(browser, email) {
	const s = await openPage(browser);
	await s.page.goto('/signin');
	await ready(s.page);
	await signInBrowser(s.page, email);
	return s;
}

// The browser's session cookies, sg_access and sg_refresh: both must be
// there.
export async function sessionCookies(context) {
	const session = (await context.cookies()).filter((c) =>
		c.name === 'sg_access' || c.name === 'sg_refresh');
	assert.deepEqual(session.map((c) => c.name).sort(),
		['sg_access', 'sg_refresh'], 'the session cookies are there');
	return session;
}

// The progress beats the page keeps in localStorage, oldest first.
export function queuedBeats(page) {
	return page.evaluate(() => JSON.parse(localStorage.getItem('sg_beats_v1') ||
		'[]'));
}

// ---------------------------------------------------------------- shells

// The words of an HTML shell a browser shows before any script runs: text
// between tags and the description, the inline icon left out, entities
// decoded. The <title> is left out too unless withTitle.
export function shellWords(html, { withTitle = false } = {}) {
	let body = html.replace(/<svg[\s\S]*?<\/svg>/g, '');
	if (!withTitle)
		body = body.replace(/<title>[\s\S]*?<\/title>/, '');
	const words = [...body.matchAll(/>([^<]+)</g)].map((m) => m[1].trim())
		.filter(Boolean);
	for (const m of body.matchAll(/name="description" content="([^"]*)"/g))
		words.push(m[1]);
	return words.map((w) => w.replace(/&quot;/g, '"').replace(/&lt;/g, '<')
		.replace(/&gt;/g, '>').replace(/&amp;/g, '&'));
}

// ---------------------------------------------------------------- packages

// A module package of { name: string or Buffer }, zipped by the project's
// own packer (scripts/pack-module: libzip, then the upload's checks).
export function packModule(files) {
	const dir = mkdtempSync(path.join(tmpdir(), 'sg-module-'));
	try {
		for (const [name, content] of Object.entries(files)) {
			mkdirSync(path.dirname(path.join(dir, 'm', name)),
				{ recursive: true });
			writeFileSync(path.join(dir, 'm', name), content);
		}
		const out = path.join(dir, 'module.zip');
		execFileSync(path.join(ROOT, 'scripts', 'pack-module'),
			[path.join(dir, 'm'), out], { stdio: ['ignore', 'ignore', 'pipe'] });
		return readFileSync(out);
	} finally {
		rmSync(dir, { recursive: true, force: true });
	}
}

// Uploads a module package to a course, as an instructor's client would.
export async function uploadModule(slug, zip, token) {
	const form = new FormData();
	form.append('package', new Blob([zip], { type: 'application/zip' }),
		'module.zip');
	return apiFetch('POST', `/api/v1/instructor/courses/${slug}/modules`,
		{ form, token });
}
