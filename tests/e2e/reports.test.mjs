// The reports' pages, on the real API: an admin's completions report
// (every filter offered, the count changing with filters kept in the
// address, the download links carrying them, the CSV downloaded), the
// dashboard's SVG bars matching its tables and the API's numbers; in
// English at desktop width and in Spanish at 360 px. An instructor sees
// their own courses only and the instructor's API; a learner is not let in.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import {
	launch, openPage, ready, axe, shot, registerUser, psql, signInBrowser,
	apiFetch, apiLogin, instructorCourse, EN_SLUG, ES_SLUG, smsg, notWider,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function signedIn(email, tag, viewport) {
	const s = await openPage(browser, { locale: tag, viewport });
	await s.page.goto('/signin');
	await ready(s.page);
	await signInBrowser(s.page, email);
	return s;
}

function promote(email, role) {
	psql(`UPDATE users SET role = :'role' WHERE lower(email) = lower(:'email')`,
		{ email, role });
}

// Learners of one organisation (a name of this run's), enrolled in slug;
// the first one completed the course.
async function fixture(slug, n) {
	const org = `Reports Org ${randomUUID().slice(0, 8)}`;
	const people = [];
	for (let i = 0; i < n; i++) {
		const u = await registerUser({ organisation: org, country: 'IS',
			profession: 'social_work', display_name: `Report, "Person" ${i}` });
		const token = await apiLogin(u.email);
		const r = await apiFetch('POST', `/api/v1/courses/${slug}/enrollment`,
			{ token });
		assert.ok(r.status === 201 || r.status === 200, JSON.stringify(r.body));
		people.push(u);
	}
	psql(`UPDATE enrollments e SET completed_at = now() FROM users u, courses c
	    WHERE u.id = e.user_id AND c.id = e.course_id AND c.slug = :'slug'
	      AND lower(u.email) = lower(:'email')`,
	{ slug, email: people[0].email });
	return { org, people };
}

// The page's API answer for a path, with the browser's own session.
function pageGet(page, p) {
	return page.evaluate(async (u) => {
		const r = await fetch(u);
		return { status: r.status, body: await r.text() };
	}, p);
}

// Every chart's bars against its table: the same keys in the same order,
// and each bar's number, as data and as drawn, is the table's.
async function chartsMatchTables(page) {
	const charts = await page.locator('section.chart').evaluateAll((secs) =>
		secs.map((s) => ({
			id: s.id,
			bars: [...s.querySelectorAll('svg g.bar')].map((g) => ({
				key: g.dataset.key, value: Number(g.dataset.value),
				label: g.querySelector('.bar-label').textContent,
				drawn: g.querySelector('.bar-value').textContent,
				width: parseFloat(g.querySelector('rect').getAttribute('width')),
			})),
			rows: [...s.querySelectorAll('table tbody tr')].map((tr) => ({
				key: tr.dataset.key, label: tr.querySelector('th').textContent,
				value: tr.querySelector('td').textContent,
			})),
			svgHidden: s.querySelector('svg')?.getAttribute('aria-hidden'),
			caption: s.querySelector('table caption')?.textContent,
			heading: s.querySelector('h2').textContent,
		})));
	assert.deepEqual(charts.map((c) => c.id),
		['sum-weekly', 'sum-country', 'sum-profession']);
	for (const c of charts) {
		assert.equal(c.bars.length, c.rows.length, c.id);
		assert.equal(c.svgHidden, 'true', `${c.id}: the table is what is read`);
		assert.equal(c.caption, c.heading, c.id);
		const max = Math.max(1, ...c.bars.map((b) => b.value));
		c.bars.forEach((b, i) => {
			assert.equal(b.key, c.rows[i].key, c.id);
			assert.equal(b.label, c.rows[i].label, c.id);
			assert.equal(b.drawn, c.rows[i].value, `${c.id} ${b.key}`);
			// The longest bar is the largest number; the others in scale.
			assert.ok(Math.abs(b.width - b.value / max * 82) < 0.01,
				`${c.id} ${b.key}: width ${b.width}`);
		});
	}
	return charts;
}

for (const [lang, tag, viewport] of [['en', 'en-GB'],
	['es', 'es-ES', { width: 360, height: 740 }]]) {
	test(`an admin filters, counts and downloads the report (${lang})`,
		async () => {
			const m = (k, v) => smsg(tag, k, v);
			const nf = (n) => new Intl.NumberFormat(tag).format(n);
			const admin = await registerUser({ language: lang });
			promote(admin.email, 'admin');
			const { org, people } = await fixture(EN_SLUG, 3);

			const s = await signedIn(admin.email, tag, viewport);
			const { page } = s;
			await page.goto('/staff/reports');
			await ready(page);
			assert.equal(await page.locator('h1').textContent(),
				m('staff.reports.title'));
			await page.locator('#site-nav').getByRole('link',
				{ name: m('staff.nav.reports'), exact: true }).waitFor();
			for (const k of ['staff.reports.course', 'staff.reports.from',
				'staff.reports.to', 'staff.reports.dateOf',
				'staff.reports.country', 'staff.reports.profession',
				'staff.reports.organisation', 'staff.reports.state'])
				await page.getByLabel(m(k)).waitFor();
			// Without filters, the whole report as the API counts it.
			const all = JSON.parse((await pageGet(page,
				'/api/v1/admin/reports/completions/count')).body).rows;
			assert.ok(all >= 3);
			await page.locator('#reports-count', { hasText: m('staff.reports.rows',
				{ n: all }) }).waitFor();
			await axe(page, `reports ${lang}`);
			if (viewport)
				await notWider(page, `reports ${lang}`);

			// An organisation, then a status too: the count follows, and
			// the filters are the page's address.
			await page.getByLabel(m('staff.reports.organisation'))
				.fill(org.toUpperCase());
			await page.getByRole('button', { name: m('staff.reports.apply') })
				.click();
			await page.waitForURL((u) => u.searchParams.get('organisation') ===
				org.toUpperCase());
			await page.locator('#reports-count', { hasText:
				m('staff.reports.rowsFiltered', { n: 3 }) }).waitFor();
			await page.getByLabel(m('staff.reports.course'))
				.selectOption(EN_SLUG);
			await page.getByLabel(m('staff.reports.state'))
				.selectOption('completed');
			await page.getByLabel(m('staff.reports.country'))
				.selectOption('IS');
			await page.getByRole('button', { name: m('staff.reports.apply') })
				.click();
			await page.waitForURL((u) => u.searchParams.get('status') ===
				'completed');
			await page.locator('#reports-count', { hasText:
				m('staff.reports.rowsFiltered', { n: 1 }) }).waitFor();
			const here = new URL(page.url());
			assert.equal(here.pathname, '/staff/reports');
			assert.deepEqual(Object.fromEntries(here.searchParams), {
				course: EN_SLUG, country: 'IS', organisation: org.toUpperCase(),
				status: 'completed' });
			// A reload keeps them, in the form too.
			await page.reload();
			await ready(page);
			assert.equal(await page.getByLabel(m('staff.reports.state'))
				.inputValue(), 'completed');
			assert.equal(await page.getByLabel(m('staff.reports.organisation'))
				.inputValue(), org.toUpperCase());
			await page.locator('#reports-count', { hasText:
				m('staff.reports.rowsFiltered', { n: 1 }) }).waitFor();

			// The links carry the filters and the format; the byte-order
			// mark only on the CSV, and only when asked for.
			const hrefs = async () => Object.fromEntries(await page
				.locator('#rep-downloads a').evaluateAll((as) => as.map((a) =>
					[a.dataset.format, a.getAttribute('href')])));
			const want = (fmt, bom) => {
				const q = new URLSearchParams({ course: EN_SLUG,
					country: 'IS', organisation: org.toUpperCase(),
					status: 'completed', format: fmt });
				if (bom)
					q.set('bom', '1');
				return q;
			};
			for (const [fmt, href] of Object.entries(await hrefs())) {
				const u = new URL(href, page.url());
				assert.equal(u.pathname, '/api/v1/admin/reports/completions');
				assert.deepEqual([...u.searchParams].sort(),
					[...want(fmt, false)].sort(), fmt);
			}
			await page.getByLabel(m('staff.reports.bom')).check();
			const withBom = await hrefs();
			assert.equal(new URL(withBom.csv, page.url()).searchParams
				.get('bom'), '1');
			assert.equal(new URL(withBom.json, page.url()).searchParams
				.get('bom'), null);

			// The CSV itself, as the browser saves it: the mark, the
			// header, the one completed learner with their address.
			const [dl] = await Promise.all([page.waitForEvent('download'),
				page.getByRole('link', { name: m('staff.reports.csv') })
					.click()]);
			const bytes = readFileSync(await dl.path());
			assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
			const text = bytes.subarray(3).toString('utf8');
			assert.match(text, /^learner_name,email,country,profession,/);
			assert.ok(text.includes(people[0].email), 'the completed one');
			for (const p of people.slice(1))
				assert.ok(!text.includes(p.email), 'not the others');
			assert.match(dl.suggestedFilename(), /^completions_.*\.csv$/);
			await page.locator('#reports-count', { hasText:
				m('staff.reports.rowsFiltered', { n: 1 }) }).waitFor();
			await shot(page, `reports-${lang}`);

			// The dashboard, with the report's course.
			await page.getByRole('link', { name: m('staff.reports.toSummary') })
				.click();
			await page.waitForURL(/\/staff\/reports\/summary\?course=/);
			await page.locator('#sum-courses').waitFor();
			assert.equal(await page.locator('h1').textContent(),
				m('staff.summary.title'));
			const api = JSON.parse((await pageGet(page,
				`/api/v1/admin/reports/summary?course=${EN_SLUG}`)).body);
			const rows = await page.locator('#sum-courses tbody tr')
				.evaluateAll((trs) => trs.map((tr) => [tr.dataset.slug,
					[...tr.cells].map((c) => c.textContent)]));
			assert.deepEqual(rows.map((r) => r[0]), [EN_SLUG]);
			const c = api.courses[0];
			assert.deepEqual(rows[0][1].slice(0, 4), [c.title, nf(c.enrolled),
				nf(c.active_30d), nf(c.completed)]);
			const charts = await chartsMatchTables(page);
			// The charts' numbers are the API's.
			const byKey = (chart) => Object.fromEntries(chart.bars.map((b) =>
				[b.key, b.value]));
			const [weekly, country, profession] = charts;
			assert.deepEqual(byKey(weekly), Object.fromEntries(api.weekly.map(
				(w) => [w.week, w.completions])));
			assert.deepEqual(byKey(country), Object.fromEntries(
				api.by_country.map((x) => [x.country || '', x.completed])));
			assert.deepEqual(byKey(profession), Object.fromEntries(
				api.by_profession.map((x) => [x.profession || '', x.completed])));
			assert.ok(byKey(country).IS >= 1, 'the fixture\'s completion');
			assert.ok(byKey(profession).social_work >= 1);
			assert.ok(weekly.bars.reduce((a, b) => a + b.value, 0) >= 1);
			await axe(page, `summary ${lang}`);
			if (viewport)
				await notWider(page, `summary ${lang}`);
			await shot(page, `reports-summary-${lang}`);
			s.assertClean(`reports ${lang}`);
			await s.close();
		});
}

test('an instructor reports on their own courses only, without emails',
	async () => {
		const tag = 'en-GB';
		const m = (k, v) => smsg(tag, k, v);
		const own = `reports-${randomUUID().slice(0, 8)}`;
		const { token } = await instructorCourse({ slug: own,
			title: 'Reports own course', language: 'en',
			summary: 'A course of the instructor\'s own.',
			audiences: ['health'], estimated_hours: 1 });
		const me = (await apiFetch('GET', '/api/v1/me', { token })).body;
		psql(`INSERT INTO course_instructors (course_id, user_id)
		    SELECT id, :'uid' FROM courses WHERE slug = :'slug'`,
		{ uid: me.id, slug: EN_SLUG });
		await fixture(EN_SLUG, 1);
		const email = psql(`SELECT email FROM users WHERE id = :'id'`,
			{ id: me.id });

		const s = await signedIn(email, tag);
		const { page } = s;
		// Provoked: a course that is not theirs, refused (403).
		s.allow((e) => /status of 403/.test(e.text) &&
			/\/api\/v1\/instructor\/reports\//.test(e.url));
		const apis = [];
		page.on('request', (r) => {
			if (/\/api\/v1\/(admin|instructor)\/reports/.test(r.url()))
				apis.push(new URL(r.url()).pathname);
		});
		await page.goto('/staff/reports');
		await ready(page);
		await page.locator('#reports-count').waitFor();
		const options = await page.getByLabel(m('staff.reports.course'))
			.locator('option').evaluateAll((os) => os.map((o) => o.value));
		assert.deepEqual(options.slice(1).sort(), [EN_SLUG, own].sort());
		await page.getByText(m('staff.reports.columnsInstructor')).waitFor();
		for (const a of await page.locator('#rep-downloads a').all())
			assert.match(await a.getAttribute('href'),
				/^\/api\/v1\/instructor\/reports\/completions\?/);
		const csv = await pageGet(page,
			'/api/v1/instructor/reports/completions?format=csv');
		assert.equal(csv.status, 200);
		assert.ok(!/(^|,)email(,|$)/m.test(csv.body.split('\n')[0]),
			'no email column');
		await axe(page, 'reports instructor');

		await page.goto('/staff/reports/summary');
		await ready(page);
		await page.locator('#sum-courses').waitFor();
		const slugs = await page.locator('#sum-courses tbody tr')
			.evaluateAll((trs) => trs.map((tr) => tr.dataset.slug));
		assert.ok(slugs.includes(EN_SLUG), 'the course they teach');
		assert.ok(slugs.every((x) => x === EN_SLUG || x === own), slugs.join());
		await chartsMatchTables(page);
		await axe(page, 'summary instructor');

		// Another's course, named in the address: refused at the field.
		await page.goto(`/staff/reports?course=${ES_SLUG}`);
		await ready(page);
		await page.locator('#reports-failed').waitFor();
		assert.equal(await page.getByLabel(m('staff.reports.course'))
			.getAttribute('aria-invalid'), 'true');
		assert.equal(await page.locator('#reports-count').count(), 0);
		assert.ok(apis.length > 0 && apis.every((p) =>
			p.startsWith('/api/v1/instructor/reports/')), apis.join());
		s.assertClean('reports instructor');
		await s.close();
	});

test('a learner cannot reach the reports', async () => {
	const learner = await registerUser();
	const s = await signedIn(learner.email, 'en-GB');
	const { page } = s;
	// Provoked: the API's own refusals (403).
	s.allow((e) => /status of 403/.test(e.text) &&
		/\/api\/v1\/(admin|instructor)\/reports\//.test(e.url));
	const fetched = [];
	page.on('request', (r) => fetched.push(new URL(r.url()).pathname));
	for (const p of ['/staff/reports', '/staff/reports/summary?course=x']) {
		await page.goto(p);
		await ready(page);
		await page.getByRole('heading', { name: smsg('en-GB',
			'staffArea.notAllowed') }).waitFor();
	}
	assert.deepEqual(fetched.filter((p) => /staff-(reports|summary)\.js|\/reports/
		.test(p) && !p.startsWith('/staff/')), []);
	for (const p of ['/api/v1/admin/reports/completions/count',
		'/api/v1/instructor/reports/summary']) {
		const r = await pageGet(page, p);
		assert.equal(r.status, 403, p);
	}
	s.assertClean('reports learner');
	await s.close();
});
