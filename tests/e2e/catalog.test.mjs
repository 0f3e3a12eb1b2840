// The catalog: what a first visit on a slow link costs (bytes and round
// trips), search and filters, and the headers every page is served with.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
	launch, openPage, ready, axe, shot, msg, messages, shellWords, BASE, EN_SLUG,
	ES_SLUG,
} from './helpers.mjs';

const BUDGET = 60 * 1024;

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// Loads the catalog with an empty cache and records every request.
async function coldLoad(s, conditions) {
	const { page } = s;
	const cdp = await page.context().newCDPSession(page);
	await cdp.send('Network.enable');
	await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
	if (conditions) {
		await cdp.send('Network.emulateNetworkConditions',
			{ offline: false, ...conditions });
	}
	const reqs = new Map();
	cdp.on('Network.requestWillBeSent', (e) => {
		reqs.set(e.requestId, { url: e.request.url,
			initiator: e.initiator.type, bytes: 0, done: false });
	});
	cdp.on('Network.loadingFinished', (e) => {
		const r = reqs.get(e.requestId);
		if (r) {
			r.bytes = e.encodedDataLength;
			r.done = true;
		}
	});
	const started = Date.now();
	await page.goto('/');
	await page.locator('#course-list > li').first().waitFor();
	const firstCourse = Date.now() - started;
	const beforeCourses = [...reqs.values()].map((r) => ({ ...r }));
	await page.waitForLoadState('networkidle');
	await cdp.detach();
	return { reqs: [...reqs.values()], beforeCourses, firstCourse };
}

test('a cold catalog load is under 60 KB and needs no request the HTML does not name',
	async () => {
		const s = await openPage(browser);
		const { reqs, beforeCourses } = await coldLoad(s);
		const total = reqs.reduce((n, r) => n + r.bytes, 0);
		const table = reqs.map((r) => `${r.bytes}\t${r.initiator}\t${r.url}`)
			.join('\n');
		assert.ok(total < BUDGET, `transferred ${total} bytes:\n${table}`);
		console.log(`catalog cold load: ${total} bytes in ${reqs.length} ` +
			`requests\n${table}`);

		// Everything the first courses needed was discovered from the HTML
		// (preloads and module preloads), none of it by a script.
		for (const r of beforeCourses) {
			assert.ok(['parser', 'other'].includes(r.initiator),
				`${r.url} was requested by ${r.initiator}:\n${table}`);
		}
		const api = reqs.filter((r) => r.url.includes('/api/v1/courses'));
		assert.equal(api.length, 1, 'the preloaded catalog is used, once');
		assert.equal(new URL(api[0].url).pathname + new URL(api[0].url).search,
			'/api/v1/courses');
		for (const r of reqs)
			assert.ok(r.url.startsWith(BASE), `only our origin: ${r.url}`);

		await shot(s.page, 'catalog-cold');
		await axe(s.page, 'catalog');
		s.assertClean();
		await s.close();
	});

test('on a slow link the first courses show after two round trips', async () => {
	// Long latency, ample bandwidth: time is counted in round trips. A page
	// whose scripts fetched the data or messages themselves would need a
	// third.
	const latency = 1500;
	const s = await openPage(browser);
	const { firstCourse } = await coldLoad(s, { latency,
		downloadThroughput: 512 * 1024, uploadThroughput: 256 * 1024 });
	console.log(`first course after ${firstCourse} ms at ${latency} ms ` +
		'latency');
	assert.ok(firstCourse < 2.8 * latency, `first course after ${firstCourse} ms`);
	s.assertClean();
	await s.close();
});

test('search by a word, filter by language and audience, and go back', async () => {
	const s = await openPage(browser);
	const { page } = s;
	const t = (k, v) => msg('en', k, v);
	await page.goto('/courses');
	await ready(page);
	const cards = page.locator('#course-list > li');
	await cards.first().waitFor();
	const all = await cards.count();
	assert.ok(all >= 2);

	const search = page.getByLabel(t('catalog.search'), { exact: true });
	const submit = page.getByRole('button', { name: t('catalog.submit'),
		exact: true });
	await search.fill('safeguarding');
	await submit.click();
	await page.waitForURL('**/courses?q=safeguarding');
	await page.getByRole('status').getByText(t('catalog.found', { n: 1 }))
		.waitFor();
	assert.equal(await cards.count(), 1);
	assert.equal(await cards.first().getByRole('link').getAttribute('href'),
		`/courses/${EN_SLUG}`);
	// Focus stays in the search form; the count is announced.
	assert.ok(await page.evaluate(() =>
		document.activeElement.closest('form[role="search"]') !== null));

	await search.fill('');
	await page.getByLabel(t('catalog.language')).selectOption('es');
	await submit.click();
	await page.waitForURL('**/courses?lang=es');
	await page.getByRole('status').getByText(t('catalog.found', { n: 1 }))
		.waitFor();
	assert.equal(await cards.first().getByRole('link').getAttribute('href'),
		`/courses/${ES_SLUG}`);
	assert.equal(await cards.first().locator('article').getAttribute('lang'),
		'es');

	await page.getByLabel(t('catalog.language')).selectOption('');
	await page.getByLabel(t('catalog.audience')).selectOption('legal');
	await submit.click();
	await page.waitForURL('**/courses?audience=legal');
	await cards.first().waitFor();

	await search.fill('nothing-matches-this-xyzzy');
	await submit.click();
	await page.getByText(t('catalog.none')).waitFor();
	await page.getByRole('link', { name: t('catalog.clear') }).waitFor();
	await shot(page, 'catalog-no-results');
	await axe(page, 'catalog no results');

	// Back returns to the earlier search, drawn again from the address.
	await page.goBack();
	await page.goBack();
	await page.goBack();
	await page.waitForURL('**/courses?q=safeguarding');
	await page.getByRole('status').getByText(t('catalog.found', { n: 1 }))
		.waitFor();
	assert.equal(await search.inputValue(), 'safeguarding');
	s.assertClean();
	await s.close();
});

test('a catalog address with a search needs no preload and wastes none',
	async () => {
		const s = await openPage(browser, { locale: 'es-ES' });
		const { page } = s;
		const warnings = [];
		page.on('console', (m) => {
			if (/preload/i.test(m.text()))
				warnings.push(m.text());
		});
		await page.goto(`/courses?q=${encodeURIComponent('protección')}`);
		await ready(page);
		await page.getByRole('status').getByText(msg('es', 'catalog.found',
			{ n: 1 })).waitFor();
		assert.equal(await page.getAttribute('html', 'lang'), 'es');
		await page.waitForTimeout(3500);
		assert.deepEqual(warnings, []);
		await axe(page, 'catalog es');
		s.assertClean();
		await s.close();
	});

test('the skip link is the first stop and focus is visible', async () => {
	const s = await openPage(browser);
	const { page } = s;
	await page.goto('/');
	await ready(page);
	await page.keyboard.press('Tab');
	const skip = await page.evaluate(() => {
		const a = document.activeElement;
		const style = getComputedStyle(a);
		return { cls: a.className, outline: style.outlineStyle,
			top: a.getBoundingClientRect().top };
	});
	assert.equal(skip.cls, 'skip');
	assert.notEqual(skip.outline, 'none');
	assert.ok(skip.top >= 0, 'the skip link shows when focused');
	await shot(page, 'catalog-skip-link');
	await page.keyboard.press('Enter');
	assert.equal(await page.evaluate(() => document.activeElement.id), 'main');
	// Keyboard alone reaches a course.
	for (let i = 0; i < 30; i++) {
		await page.keyboard.press('Tab');
		const href = await page.evaluate(() =>
			document.activeElement.getAttribute('href'));
		if (href && href.startsWith('/courses/')) {
			await page.keyboard.press('Enter');
			break;
		}
	}
	await page.waitForURL('**/courses/*');
	await page.getByRole('heading', { level: 1 }).waitFor();
	assert.equal(await page.evaluate(() => document.activeElement.tagName),
		'H1', 'focus moves to the new page heading');
	s.assertClean();
	await s.close();
});

test('pages and files are served compressed, validated and locked down',
	async () => {
		const paths = ['/', '/courses', '/courses/x', '/lessons/x', '/signin',
			'/signup', '/learning'];
		for (const p of paths) {
			const r = await fetch(BASE + p, { headers:
				{ 'accept-encoding': 'gzip' } });
			assert.equal(r.status, 200, p);
			const csp = r.headers.get('content-security-policy');
			assert.match(csp, /script-src 'self'/);
			assert.match(csp, /frame-ancestors 'none'/);
			assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
			assert.equal(r.headers.get('x-content-type-options'), 'nosniff');
			assert.equal(r.headers.get('referrer-policy'), 'no-referrer');
			assert.equal(r.headers.get('cache-control'), 'no-cache');
			assert.ok(r.headers.get('etag'));
		}
		const missing = await fetch(`${BASE}/no/such/page`);
		assert.equal(missing.status, 404);
		assert.match(await missing.text(), /<html lang="en">/);

		for (const p of ['/static/app.js', '/static/app.css',
			'/static/i18n/es.json']) {
			const r = await fetch(BASE + p, { headers:
				{ 'accept-encoding': 'gzip' } });
			assert.equal(r.status, 200, p);
			assert.equal(r.headers.get('content-encoding'), 'gzip', p);
			const again = await fetch(BASE + p, { headers: {
				'if-none-match': r.headers.get('etag') } });
			assert.equal(again.status, 304, p);
		}
	});

test('the page language follows the sg_lang cookie, then Accept-Language',
	async () => {
		const lang = async (headers) => {
			const r = await fetch(`${BASE}/`, { headers });
			const html = await r.text();
			return [/<html lang="(\w+)">/.exec(html)[1],
				/i18n\/(\w+)\.json/.exec(html)[1],
				r.headers.get('content-language')];
		};
		assert.deepEqual(await lang({}), ['en', 'en', 'en']);
		assert.deepEqual(await lang({ 'accept-language': 'es-MX,es;q=0.9' }),
			['es', 'es', 'es']);
		assert.deepEqual(await lang({ 'accept-language': 'fr, es;q=0.5, en;q=0.4' }),
			['es', 'es', 'es']);
		assert.deepEqual(await lang({ 'accept-language': 'es;q=0, en' }),
			['en', 'en', 'en']);
		assert.deepEqual(await lang({ 'accept-language': 'es',
			cookie: 'a=1; sg_lang=en' }), ['en', 'en', 'en']);
	});

test('a shell in Spanish has no English in it, from the first byte',
	async () => {
		const en = messages('en');
		const es = messages('es');
		const esValues = new Set(Object.values(es).filter((v) =>
			typeof v === 'string'));
		const enOnly = Object.values(en).filter((v) => typeof v === 'string' &&
			!esValues.has(v) && v.length > 8);
		for (const p of ['/', '/courses/x', '/lessons/x', '/no/such/page']) {
			for (const headers of [{ 'accept-language': 'es-MX,es;q=0.9' },
				{ cookie: 'sg_lang=es', 'accept-language': 'en' }]) {
				const r = await fetch(BASE + p, { headers });
				const html = await r.text();
				assert.match(html, /<html lang="es">/, p);
				assert.doesNotMatch(html, /%t:|%LANG%/, `${p}: a mark is left`);
				const words = shellWords(html);
				assert.ok(words.length >= 4, `${p}: ${words}`);
				for (const w of words) {
					assert.ok(w === 'Safeguard Learn' || esValues.has(w),
						`${p}: "${w}" is not a Spanish message`);
				}
				for (const e of enOnly)
					assert.ok(!html.includes(e), `${p}: English "${e}"`);
				for (const k of ['shell.description', 'shell.noscript',
					'common.loading', 'common.skip'])
					assert.ok(words.includes(es[k]), `${p}: ${k}`);
			}
		}
		// And the English shell has the English words.
		const html = await (await fetch(`${BASE}/`)).text();
		assert.ok(shellWords(html).includes(en['shell.description']));
	});

test('the signed-out course page and the not-found page pass axe',
	async () => {
		const s = await openPage(browser);
		const { page } = s;
		await page.goto(`/courses/${EN_SLUG}`);
		await ready(page);
		await page.getByRole('link', { name: msg('en', 'nav.signin'),
			exact: true }).first().waitFor();
		await page.locator('.panel').getByText(msg('en',
			'course.signinToEnroll')).waitFor();
		await shot(page, 'course-signed-out');
		await axe(page, 'course signed out');

		s.allow((e) => e.text.includes('status of 404') &&
			e.url.endsWith('/no/such/page'));
		const r = await page.goto('/no/such/page');
		assert.equal(r.status(), 404);
		await ready(page);
		await page.getByRole('heading', { level: 1,
			name: msg('en', 'notfound.title') }).waitFor();
		await shot(page, 'not-found');
		await axe(page, 'not found');
		s.assertClean();
		await s.close();
	});
