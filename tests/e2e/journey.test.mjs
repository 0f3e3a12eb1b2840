// The learner's journey, three times: in English, in Spanish, and on a
// 360 px phone screen. Sign up, find the course by a word, enroll, read
// two lessons, reload and resume, lose the link while reading on, get it
// back, and check that every queued beat reached the server exactly once.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
	launch, openPage, ready, axe, shot, msg, scrollFraction, scrollTo,
	uniqueEmail, apiLogin, apiFetch, psql, queuedBeats, sessionCookies,
	PASSWORD, EN_SLUG, ES_SLUG,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const journeys = [
	{ name: 'en', locale: 'en-GB', lang: 'en', word: 'safeguarding',
		slug: EN_SLUG, viewport: { width: 1280, height: 720 } },
	{ name: 'es', locale: 'es-ES', lang: 'es', word: 'protección',
		slug: ES_SLUG, viewport: { width: 1280, height: 720 } },
	{ name: 'phone', locale: 'en-US', lang: 'en', word: 'safeguarding',
		slug: EN_SLUG, viewport: { width: 360, height: 740 } },
];

for (const j of journeys) {
	test(`learner journey (${j.name})`, { timeout: 180000 }, async () => {
		await journey(j);
	});
}

// Progress PUTs as the page made them: key, lesson, and each outcome.
function watchBeats(page) {
	const beats = [];
	const find = (req) => {
		const key = req.headers()['idempotency-key'];
		let b = beats.find((x) => x.key === key);
		if (!b) {
			b = { key, lesson: req.url().split('/').at(-2), ok: 0, failed: 0,
				bodies: [], statuses: [] };
			beats.push(b);
		}
		return b;
	};
	page.on('request', (req) => {
		if (req.method() === 'PUT' && req.url().includes('/progress'))
			find(req).bodies.push(JSON.parse(req.postData()));
	});
	page.on('requestfailed', (req) => {
		if (req.method() === 'PUT' && req.url().includes('/progress'))
			find(req).failed++;
	});
	page.on('response', (res) => {
		const req = res.request();
		if (req.method() !== 'PUT' || !req.url().includes('/progress'))
			return;
		find(req).statuses.push(res.status());
		if (res.status() === 200)
			find(req).ok++;
	});
	return beats;
}

// Until every beat named has had an answer (bounded: 10 s).
async function answered(beats, keys) {
	const heard = () => keys.every((k) => {
		const b = beats.find((x) => x.key === k);
		return b && b.statuses.length > 0;
	});
	for (let i = 0; i < 200 && !heard(); i++)
		await new Promise((r) => setTimeout(r, 50));
}

// The course page's definition list, term to description.
function facts(page) {
	return page.evaluate(() => Object.fromEntries([...document.querySelectorAll(
		'.facts-list dt')].map((dt) => [dt.textContent,
		dt.nextElementSibling.textContent])));
}

// A date and a percentage as Intl writes them for a tag, in the page.
function written(page, tag, iso, percent) {
	return page.evaluate(([tg, d, p]) => ({
		date: new Intl.DateTimeFormat(tg, { dateStyle: 'medium',
			timeStyle: 'short' }).format(new Date(d)),
		percent: new Intl.NumberFormat(tg, { style: 'percent',
			maximumFractionDigits: 0 }).format(p / 100),
	}), [tag, iso, percent]);
}

async function journey(j) {
	// Messages as the page writes them: numbers in the browser's locale.
	const t = (key, vars) => msg(j.locale, key, vars);
	const s = await openPage(browser, { locale: j.locale,
		viewport: j.viewport });
	const { page } = s;
	const step = async (name) => {
		await shot(page, `journey-${j.name}-${name}`);
		await axe(page, `${j.name} ${name}`);
		if (j.viewport.width <= 360) {
			// Nothing may need a sideways scroll on a phone.
			const wide = await page.evaluate(() =>
				document.documentElement.scrollWidth);
			assert.ok(wide <= j.viewport.width,
				`${j.name} ${name}: ${wide} px wide at ${j.viewport.width}`);
		}
		s.assertClean(`at ${j.name} ${name}`);
	};
	const beats = watchBeats(page);
	// Timers under the test's control: a heartbeat is 15 s away.
	await page.clock.install();

	// Sign up.
	const email = uniqueEmail(`journey-${j.name}`);
	await page.goto('/signup');
	await ready(page);
	assert.equal(await page.getAttribute('html', 'lang'), j.lang);
	await page.getByLabel(t('form.name')).fill(`Learner ${j.name}`);
	await page.getByLabel(t('form.email')).fill(email);
	await page.getByLabel(t('form.password'), { exact: true }).fill(PASSWORD);
	await page.getByLabel(t('form.country')).selectOption('PH');
	await page.getByLabel(t('form.profession')).selectOption('social_work');
	await page.getByLabel(t('form.organisation')).fill('Bantay Bata');
	assert.equal(await page.locator('#signup-language').inputValue(), j.lang);
	await step('01-signup');
	await page.getByRole('button', { name: t('signup.submit') }).click();
	await page.waitForURL('**/learning');
	await page.getByRole('heading', { level: 1,
		name: t('learning.title') }).waitFor();
	await page.getByRole('button', { name: new RegExp(t('nav.signedInAs')) })
		.waitFor();
	await step('02-my-learning-empty');

	// Find the course by a word of its summary.
	await page.getByRole('link', { name: t('nav.courses'), exact: true })
		.click();
	await page.getByRole('heading', { level: 1, name: t('catalog.title') })
		.waitFor();
	await page.getByLabel(t('catalog.search'), { exact: true }).fill(j.word);
	await page.getByRole('button', { name: t('catalog.submit'),
		exact: true }).click();
	await page.waitForURL(`**/courses?q=${encodeURIComponent(j.word)}`);
	await page.getByText(t('catalog.found', { n: 1 })).waitFor();
	const cards = page.locator('#course-list > li');
	assert.equal(await cards.count(), 1);
	await step('03-search');
	await cards.first().getByRole('link').click();
	await page.waitForURL(`**/courses/${j.slug}`);

	// The course page: summary, facts, translation, outline; enroll.
	const course = (await apiFetch('GET', `/api/v1/courses/${j.slug}`)).body;
	const other = j.slug === EN_SLUG ? { lang: 'es', slug: ES_SLUG,
		name: 'Español' } : { lang: 'en', slug: EN_SLUG, name: 'English' };
	const tr = page.locator(`.translations a[hreflang="${other.lang}"]`);
	await tr.waitFor();
	assert.equal(await tr.getAttribute('href'), `/courses/${other.slug}`);
	assert.equal(await tr.textContent(), other.name);
	assert.equal(await page.locator('.translations').textContent(),
		`${t('course.alsoIn')} ${other.name}`);
	assert.equal(await page.locator('h1').textContent(), course.title);
	assert.equal(await page.locator('p.lead').textContent(), course.summary);
	const f = await facts(page);
	assert.equal(f[t('course.hours')], t('course.hoursValue',
		{ n: Number(course.estimated_hours) }));
	assert.ok(course.audiences.length > 0);
	assert.equal(f[t('course.audiences')], course.audiences.length === 7 ?
		t('course.everyone') :
		course.audiences.map((a) => t(`profession.${a}`)).join(', '));
	assert.ok((await page.locator('.lessons li').count()) >= 6);
	await page.getByRole('button', { name: t('course.enroll') }).click();
	const start = page.getByRole('link', { name: t('course.start') });
	await start.waitFor();
	await step('04-enrolled');
	await start.click();
	await page.waitForURL('**/lessons/*');
	const lesson1 = page.url().split('/').at(-1);

	// Lesson 1: read to the end; reaching it marks the lesson completed.
	await page.locator('.lesson-body').waitFor();
	const r1Title = await page.locator('h1').textContent();
	await step('05-lesson1');
	const done1 = page.waitForResponse((r) => r.url().endsWith(
		`/lessons/${lesson1}/progress`) && r.status() === 200);
	await scrollTo(page, 1);
	const r1 = await (await done1).json();
	assert.equal(r1.status, 'completed');
	await page.locator('.save-status[data-done="1"]').waitFor();

	// Lesson 2: read half of it; a heartbeat saves the place.
	await page.locator('.pager a[rel="next"]').click();
	await page.waitForURL((u) => !u.pathname.endsWith(lesson1));
	const lesson2 = page.url().split('/').at(-1);
	await page.locator('.lesson-body').waitFor();
	const title2 = await page.locator('h1').textContent();
	await scrollTo(page, 0.5);
	const saved2 = page.waitForResponse((r) => r.url().endsWith(
		`/lessons/${lesson2}/progress`) && r.status() === 200);
	await page.clock.fastForward(15000);
	const r2 = await (await saved2).json();
	assert.ok(Math.abs(r2.position - 0.5) < 0.05, `saved ${r2.position}`);
	assert.equal(r2.status, 'in_progress');
	await step('06-lesson2-half');

	// Reload: the reader comes back to the same place.
	await page.reload();
	await ready(page);
	await page.locator('.lesson-body').waitFor();
	await page.waitForFunction(() => scrollY > 0);
	const resumed = await scrollFraction(page);
	assert.ok(Math.abs(resumed - 0.5) < 0.05, `resumed at ${resumed}`);
	await step('07-lesson2-resumed');

	// The page is hidden (another app, a locked phone): a beat leaves now,
	// not at the next heartbeat.
	const hiddenBeat = page.waitForResponse((r) => r.url().endsWith(
		`/lessons/${lesson2}/progress`));
	await page.evaluate(() => {
		Object.defineProperty(document, 'visibilityState',
			{ value: 'hidden', configurable: true });
		document.dispatchEvent(new Event('visibilitychange'));
	});
	const hidden = await hiddenBeat;
	assert.equal(hidden.status(), 200);
	assert.ok(Math.abs(JSON.parse(hidden.request().postData()).position -
		resumed) < 0.01, 'the hidden beat has the place');
	await page.evaluate(() => {
		delete document.visibilityState;
		document.dispatchEvent(new Event('visibilitychange'));
	});
	assert.equal(await page.evaluate(() => document.visibilityState),
		'visible');

	// The link drops: beats fail, the page says so quietly and keeps them.
	const offlineErrors = s.allow((e) => /ERR_FAILED/.test(e.text) &&
		/\/progress$/.test(e.url));
	await page.route('**/api/v1/lessons/*/progress', (r) => r.abort());
	await scrollTo(page, 0.8);
	await page.clock.fastForward(15000);
	await page.locator('.save-status[data-state="offline"]')
		.getByText(t('lesson.offline')).waitFor();
	await step('08-offline');
	let q = await queuedBeats(page);
	assert.ok(q.length >= 1, 'beats are kept in localStorage');
	for (const b of q) {
		assert.deepEqual(Object.keys(b).sort(),
			['at', 'body', 'key', 'lesson', 'tried', 'uid']);
		assert.deepEqual(Object.keys(b.body).sort(),
			['completed', 'position', 'time_spent_delta']);
	}
	// No token in web storage: compared with the session's real cookies.
	const stored = await page.evaluate(() => JSON.stringify({ ...localStorage,
		...sessionStorage }));
	const secrets = await sessionCookies(s.context);
	for (const c of secrets) {
		assert.ok(c.value.length >= 20, `${c.name} has a value`);
		assert.ok(!stored.includes(c.value) &&
			!stored.includes(encodeURIComponent(c.value)),
		`${c.name} is not in web storage`);
	}
	assert.doesNotMatch(stored, /eyJ[\w-]+\.[\w-]+\.[\w-]+/,
		'no JWT in web storage');

	// Reading on, still offline: another heartbeat, then the next lesson.
	await page.clock.fastForward(15000);
	await page.locator('.pager a[rel="next"]').click();
	await page.waitForURL((u) => !u.pathname.endsWith(lesson2));
	const lesson3 = page.url().split('/').at(-1);
	await page.locator('.lesson-body').waitFor();
	await page.locator('.save-status[data-state="offline"]').waitFor();
	await scrollTo(page, 0.3);
	await page.clock.fastForward(15000);
	q = await queuedBeats(page);
	assert.ok(q.length >= 2, `queued ${q.length}`);
	assert.deepEqual([...new Set(q.map((b) => b.lesson))],
		[lesson2, lesson3], 'queued in reading order');
	const offlineKeys = q.map((b) => b.key);

	// The link is back: the queue drains in order, each beat once.
	await page.unroute('**/api/v1/lessons/*/progress');
	await page.evaluate(() => window.dispatchEvent(new Event('online')));
	await page.locator('.save-status').getByText(t('lesson.backOnline'))
		.waitFor();
	await page.waitForFunction(() => !localStorage.getItem('sg_beats_v1'));
	// Each aborted beat's console error came with its failure, and beats
	// leave one at a time, so all came before the queue emptied. From here
	// on a failed beat is an error again (and the checks below see it).
	offlineErrors();
	await step('09-back-online');

	// The page empties its queue when it reads an answer; this process
	// hears of the same answer by an event that can come a moment later.
	await answered(beats, offlineKeys);
	for (const key of offlineKeys) {
		const b = beats.find((x) => x.key === key);
		assert.ok(b, `beat ${key} was sent`);
		assert.equal(b.ok, 1, `beat ${key} succeeded exactly once ` +
			`(answers: ${b.statuses.join(', ') || 'none'})`);
	}
	const okOrder = beats.filter((b) => offlineKeys.includes(b.key))
		.map((b) => b.key);
	assert.deepEqual(okOrder, offlineKeys, 'sent in the order made');

	// The server agrees: one row per key, positions where the reader was.
	const keys = new Set(beats.filter((b) => b.ok > 0).map((b) => b.key));
	const rows = psql(`SELECT count(*) FROM progress_beats b JOIN users u
	    ON u.id = b.user_id WHERE lower(u.email) = lower(:'email')`,
	{ email });
	assert.equal(Number(rows), keys.size, 'each beat recorded once');
	const token = await apiLogin(email);
	const prog = await apiFetch('GET', `/api/v1/courses/${j.slug}/progress`,
		{ token });
	assert.equal(prog.status, 200);
	const lessons = prog.body.modules.flatMap((m) => m.lessons);
	const byId = (id) => lessons.find((l) => l.id === id);
	assert.equal(byId(lesson1).status, 'completed');
	// The first beat lost was the heartbeat at 80 %; pressing Next at the
	// bottom of the page then finished lesson 2, still offline.
	assert.ok(Math.abs(q[0].body.position - 0.8) < 0.05,
		`offline heartbeat ${JSON.stringify(q)}`);
	const last = (id) => q.filter((b) => b.lesson === id).at(-1).body;
	assert.ok(Math.abs(byId(lesson2).position - last(lesson2).position) <
		0.01, `lesson 2 at ${byId(lesson2).position}`);
	assert.equal(byId(lesson2).status, last(lesson2).completed ?
		'completed' : 'in_progress');
	assert.ok(byId(lesson2).time_spent >= 15, 'reading time counted');
	assert.ok(Math.abs(byId(lesson3).position - 0.3) < 0.05,
		`lesson 3 at ${byId(lesson3).position}`);
	const sent = beats.filter((b) => b.ok > 0)
		.reduce((n, b) => n + b.bodies[0].time_spent_delta, 0);
	assert.ok(byId(lesson1).time_spent + byId(lesson2).time_spent +
		byId(lesson3).time_spent <= sent, 'no time counted twice');

	// My learning: the course with its progress in words, the last
	// activity in the browser's own conventions, and Continue to the
	// lesson the server would resume.
	const mine = page.waitForResponse((r) => r.url().endsWith(
		'/api/v1/me/enrollments') && r.status() === 200);
	await page.getByRole('link', { name: t('nav.learning'), exact: true })
		.first().click();
	await page.waitForURL('**/learning');
	const enr = (await (await mine).json()).enrollments.find((e) =>
		(e.course_slug || e.course?.slug) === j.slug);
	assert.ok(enr && enr.last_activity_at, JSON.stringify(enr));
	assert.equal(enr.resume_lesson_id, lesson3, 'resume where last read');
	const item = page.locator('#enrollments > li').first();
	await item.locator('progress').waitFor();
	const percent = prog.body.percent;
	assert.ok(percent > 0);
	assert.equal(enr.percent, percent);
	const w = await written(page, j.locale, enr.last_activity_at, percent);
	assert.equal(await item.locator('.progress-text').textContent(),
		t('progress.percent', { p: w.percent }));
	assert.equal(await item.locator('p.muted').textContent(),
		t('learning.lastActivity', { date: w.date }));
	const bare = await written(page, j.lang, enr.last_activity_at, percent);
	if (j.locale === 'en-GB') {
		// An en-GB learner does not get US dates.
		assert.notEqual(w.date, bare.date);
	}
	if (j.lang === 'es') {
		assert.match(w.percent, /^\d+\s%$/u, 'es: "50 %"');
		assert.match(w.date, /^\d{1,2} \p{L}+\.? \d{4}/u, 'es: day first');
	}
	const cont = item.getByRole('link', { name: new RegExp(t('course.continue')) });
	assert.equal(await cont.getAttribute('href'), `/lessons/${lesson3}`);
	await step('10-my-learning');

	// The course page's Continue goes to the same lesson.
	await item.locator('h2 a').click();
	await page.waitForURL(`**/courses/${j.slug}`);
	const again = page.locator('#continue');
	await again.waitFor();
	assert.equal(await again.textContent(), t('course.continue'));
	assert.equal(await again.getAttribute('href'), `/lessons/${lesson3}`);
	await step('11-course-continue');
	await again.click();
	await page.waitForURL(`**/lessons/${lesson3}`);
	await page.locator('.lesson-body').waitFor();

	// Previous leads back through the lessons read (the pager sits after
	// the end of the lesson, so reaching it completes one: done here, when
	// the counts above are checked).
	await page.locator('.pager a[rel="prev"]').click();
	await page.waitForURL(`**/lessons/${lesson2}`);
	await page.getByRole('heading', { level: 1, name: title2 }).waitFor();
	await page.locator('.pager a[rel="prev"]').click();
	await page.waitForURL(`**/lessons/${lesson1}`);
	await page.getByRole('heading', { level: 1, name: r1Title }).waitFor();
	assert.equal(await page.locator('.pager a[rel="prev"]').count(), 0,
		'the first lesson has no previous one');
	await step('12-previous');

	// Sign out from the "signed in as" menu.
	await page.getByRole('button', { name: new RegExp(t('nav.signedInAs')) })
		.click();
	await page.getByRole('button', { name: t('nav.signout') }).click();
	await page.getByRole('link', { name: t('nav.signin'), exact: true })
		.waitFor();
	assert.equal(await page.evaluate(() => /sg_csrf=/.test(document.cookie)),
		false);
	await step('13-signed-out');
	s.assertClean(`after the ${j.name} journey`);
	await s.close();
}
