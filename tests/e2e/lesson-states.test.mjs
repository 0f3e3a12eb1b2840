// The reader's other states: a locked lesson (and the outline saying what
// is locked), a course the learner is not enrolled in, a lesson that does
// not exist, and a lesson that cannot be fetched because the link is down.
// The demo course locks nothing, so locks are mocked with page.route();
// the rest are the server's real answers.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
	launch, openPage, ready, axe, shot, msg, apiLogin, apiFetch, packModule,
	uploadModule, enrolledLearner, instructorCourse, signedInPage, EN_SLUG,
	ES_SLUG,
} from './helpers.mjs';

let browser;
let user;
let outline;
before(async () => {
	browser = await launch();
	({ user, outline } = await enrolledLearner(EN_SLUG));
});
after(async () => { await browser?.close(); });

const lessons = () => outline.modules.flatMap((m) => m.lessons);

const signedIn = () => signedInPage(browser, user.email);

test('a locked lesson says what unlocks it', async () => {
	const [first, , third] = lessons();
	const s = await signedIn();
	const { page } = s;
	s.allow((e) => e.text.includes('status of 403') &&
		e.url.endsWith(`/lessons/${third.id}`));
	await page.route(`**/api/v1/lessons/${third.id}`, (r) => r.fulfill({
		status: 403, contentType: 'application/json',
		body: JSON.stringify({ error: { code: 'lesson_locked',
			message: `Finish the lesson "${first.title}" first.`,
			unlock: { lesson_id: first.id, title: first.title } } }),
	}));
	await page.goto(`/lessons/${third.id}`);
	await ready(page);
	await page.getByRole('heading', { level: 1,
		name: msg('en', 'lesson.lockedTitle') }).waitFor();
	await page.getByText(msg('en', 'lesson.unlockLesson',
		{ title: first.title })).waitFor();
	await page.getByText(msg('en', 'lesson.status.locked'), { exact: true })
		.waitFor();
	await shot(page, 'lesson-locked');
	await axe(page, 'locked lesson');
	await page.getByRole('link', { name: msg('en', 'lesson.goUnlock',
		{ title: first.title }) }).click();
	await page.waitForURL(`**/lessons/${first.id}`);
	await page.locator('.lesson-body').waitFor();
	s.assertClean();
	await s.close();
});

test('the outline marks locked lessons in words and links only open ones',
	async () => {
		const third = lessons()[2];
		const s = await signedIn();
		const { page } = s;
		await page.route(`**/api/v1/courses/${EN_SLUG}/progress`, async (r) => {
			const res = await r.fetch();
			const body = await res.json();
			for (const m of body.modules) {
				for (const l of m.lessons)
					l.locked = l.id === third.id;
			}
			await r.fulfill({ response: res, json: body });
		});
		await page.goto(`/courses/${EN_SLUG}`);
		await ready(page);
		const item = page.locator('.lessons li', { hasText: third.title });
		await item.getByText(msg('en', 'lesson.status.locked'), { exact: false })
			.waitFor();
		assert.equal(await item.getByRole('link').count(), 0);
		assert.match(await item.textContent(),
			new RegExp(msg('en', 'lesson.lockedSequential')));
		// Every open lesson is a link (the modules' quizzes link too).
		assert.equal(await page.locator('.lessons li:not(.quiz) a').count(),
			lessons().length - 1);
		await shot(page, 'course-outline-locked');
		await axe(page, 'outline with a locked lesson');
		s.assertClean();
		await s.close();
	});

test('a lesson of a course the learner is not in, and one that is not there',
	async () => {
		const es = (await apiFetch('GET', `/api/v1/courses/${ES_SLUG}`)).body;
		const other = es.modules[0].lessons[0];
		const s = await signedIn();
		const { page } = s;
		s.allow((e) => e.text.includes('status of 403') &&
			e.url.endsWith(`/lessons/${other.id}`));
		await page.goto(`/lessons/${other.id}`);
		await ready(page);
		await page.getByRole('heading', { level: 1,
			name: msg('en', 'lesson.notEnrolledTitle') }).waitFor();
		await axe(page, 'not enrolled');

		const nobody = '00000000-0000-4000-8000-000000000000';
		s.allow((e) => e.text.includes('status of 404') &&
			e.url.endsWith(`/lessons/${nobody}`));
		await page.goto(`/lessons/${nobody}`);
		await ready(page);
		await page.getByRole('heading', { level: 1,
			name: msg('en', 'lesson.notFound') }).waitFor();
		s.assertClean();
		await s.close();
	});

test('a lesson that cannot be fetched offers to try again', async () => {
	const second = lessons()[1];
	const s = await signedIn();
	const { page } = s;
	s.allow((e) => /ERR_FAILED/.test(e.text) &&
		e.url.endsWith(`/lessons/${second.id}`));
	await page.route(`**/api/v1/lessons/${second.id}`, (r) => r.abort());
	await page.goto(`/lessons/${second.id}`);
	await ready(page);
	await page.getByText(msg('en', 'error.network')).waitFor();
	await shot(page, 'lesson-offline');
	await axe(page, 'lesson offline');
	await page.unroute(`**/api/v1/lessons/${second.id}`);
	await page.getByRole('button', { name: msg('en', 'common.retry') })
		.click();
	await page.getByRole('heading', { level: 1, name: second.title })
		.waitFor();
	await page.locator('.lesson-body').waitFor();
	s.assertClean();
	await s.close();
});

test('signed out, a lesson address leads to sign in and back', async () => {
	const first = lessons()[0];
	const s = await openPage(browser);
	const { page } = s;
	await page.goto(`/lessons/${first.id}`);
	await page.waitForURL(`**/signin?next=${encodeURIComponent(
		`/lessons/${first.id}`)}`);
	await ready(page);
	await page.getByLabel(msg('en', 'form.email')).fill(user.email);
	await page.getByLabel(msg('en', 'form.password'), { exact: true })
		.fill('a sound passphrase 42');
	await page.getByRole('button', { name: msg('en', 'signin.submit') })
		.click();
	await page.waitForURL(`**/lessons/${first.id}`);
	await page.locator('.lesson-body').waitFor();
	s.assertClean();
	await s.close();
});

test('a reload that cannot ask who is signed in keeps the lesson address',
	async () => {
		const first = lessons()[0];
		const s = await signedIn();
		const { page } = s;
		await page.goto(`/lessons/${first.id}`);
		await ready(page);
		await page.locator('.lesson-body').waitFor();
		s.allow((e) => /ERR_FAILED|status of 503/.test(e.text) &&
			e.url.endsWith('/api/v1/me'));

		// Once with the link down, once with the server in trouble: neither
		// means the learner signed out.
		const outages = [(r) => r.abort(), (r) => r.fulfill({ status: 503,
			contentType: 'application/json', body: JSON.stringify({ error:
			{ code: 'unavailable', message: 'Try again later.' } }) })];
		for (const fail of outages) {
			let down = true;
			let failed = 0;
			await page.route('**/api/v1/me', (r) => {
				if (!down)
					return r.continue();
				failed++;
				return fail(r);
			});
			await page.reload();
			await ready(page);
			await page.getByRole('heading', { level: 1,
				name: msg('en', 'offline.title') }).waitFor();
			assert.equal(new URL(page.url()).pathname, `/lessons/${first.id}`);
			await page.getByText(msg('en', 'offline.body')).waitFor();
			assert.ok(failed >= 1);
			assert.match(await page.evaluate(() => document.cookie), /sg_csrf=/,
				'still signed in');
			assert.doesNotMatch(await page.content(), /Try again later/);
			// Nor does the header offer to sign in, as if signed out.
			assert.equal(await page.locator('#site-nav .account a').count(), 0);
			await shot(page, 'lesson-session-unknown');
			await axe(page, 'lesson, session unknown');

			// The link is back: the page asks again by itself.
			down = false;
			await page.evaluate(() => window.dispatchEvent(new Event('online')));
			await page.getByRole('heading', { level: 1, name: first.title })
				.waitFor();
			await page.locator('.lesson-body').waitFor();
			assert.equal(new URL(page.url()).pathname, `/lessons/${first.id}`);
			await page.getByRole('button', { name:
				new RegExp(msg('en', 'nav.signedInAs')) }).waitFor();
			await page.unroute('**/api/v1/me');
		}
		s.assertClean();
		await s.close();
	});

test('a lesson body starting below h2 still reads in heading order',
	async () => {
		// As an import that demotes Markdown headings gives it: ## is h3.
		const first = lessons()[0];
		const s = await signedIn();
		const { page } = s;
		await page.route(`**/api/v1/lessons/${first.id}`, async (r) => {
			const res = await r.fetch();
			const body = await res.json();
			body.html = '<h3>Part one</h3><p>One.</p><h4>A detail</h4>' +
				'<p>Two.</p><h3>Part two</h3><p>Three.</p>';
			await r.fulfill({ response: res, json: body });
		});
		await page.goto(`/lessons/${first.id}`);
		await ready(page);
		const body = page.locator('.lesson-body');
		await body.getByText('Three.').waitFor();
		assert.deepEqual(await body.locator('h2').allTextContents(),
			['Part one', 'Part two']);
		assert.deepEqual(await body.locator('h3').allTextContents(),
			['A detail']);
		assert.equal(await body.locator('h4').count(), 0);
		await axe(page, 'lesson with demoted headings');
		s.assertClean();
		await s.close();
	});

// The server's own locks, not mocked: a second module that needs the first
// one's lessons and its quiz. The reader names what is left, by the
// reason the server gives, and links to the first lesson left.
test('a module lock names the lessons and the quiz still left', async () => {
	const { token, slug } = await instructorCourse({
		slug: `locks-${randomUUID().slice(0, 8)}`, title: 'Locks in order',
		summary: 'Two modules.', language: 'en', audiences: ['health'],
		estimated_hours: 1 });
	const quiz = { key: 'check-one', title: 'Check one', pass_mark: 50,
		required: true, questions: [{ key: 'q1', type: 'true_false',
			lesson: 'one-a', prompt: 'Report concerns the same day.',
			choices: [{ key: 'true', text: 'True', correct: true },
				{ key: 'false', text: 'False', correct: false }] }] };
	const mod = (key, order, title, lessons, extra) => packModule({
		'module.json': JSON.stringify({ format: 1, key, title, order,
			summary: `The module ${title}.`, ...extra,
			lessons: lessons.map((l) => ({ key: l, title: `Lesson ${l}`,
				file: `lessons/${l}.md`, minutes: 2 })) }),
		...Object.fromEntries(lessons.map((l) => [`lessons/${l}.md`,
			`## Lesson ${l}\n\nSome words to read.\n`])),
	});
	for (const [key, order, title, lessons, extra] of [
		['one', 1, 'First steps', ['one-a', 'one-b'], { quiz }],
		['two', 2, 'Next steps', ['two-a'], { requires_previous: true }]]) {
		const up = await uploadModule(slug, mod(key, order, title, lessons,
			extra), token);
		assert.equal(up.status, 201, JSON.stringify(up.body));
	}
	assert.equal((await apiFetch('POST',
		`/api/v1/instructor/courses/${slug}/publish`, { token })).status, 200);
	const course = (await apiFetch('GET', `/api/v1/courses/${slug}`)).body;
	const [oneA, oneB] = course.modules[0].lessons;
	const twoA = course.modules[1].lessons[0];

	const learnerToken = await apiLogin(user.email);
	assert.equal((await apiFetch('POST', `/api/v1/courses/${slug}/enrollment`,
		{ token: learnerToken })).status, 201);
	const s = await signedIn();
	const { page } = s;
	s.allow((e) => e.text.includes('status of 403') &&
		e.url.endsWith(`/lessons/${twoA.id}`));

	// Both lessons and the quiz are left.
	await page.goto(`/lessons/${twoA.id}`);
	await ready(page);
	await page.getByText(msg('en', 'lesson.unlockModuleLessonsQuiz',
		{ title: 'First steps', n: 2, quiz: 'Check one' })).waitFor();
	await page.getByRole('link', { name: msg('en', 'lesson.goUnlock',
		{ title: oneA.title }) }).waitFor();
	await axe(page, 'module lock');

	// The lessons done, only the quiz is left (and no lesson to link to).
	for (const l of [oneA, oneB]) {
		const r = await apiFetch('PUT', `/api/v1/lessons/${l.id}/progress`, {
			token: learnerToken, headers: { 'Idempotency-Key': randomUUID() },
			body: { position: 1, time_spent_delta: 0, completed: true } });
		assert.equal(r.status, 200, JSON.stringify(r.body));
	}
	await page.reload();
	await ready(page);
	await page.getByText(msg('en', 'lesson.unlockModuleQuiz',
		{ title: 'First steps', quiz: 'Check one' })).waitFor();
	assert.equal(await page.getByRole('link', { name: /Lesson one-/ }).count(),
		0);
	await shot(page, 'lesson-locked-by-quiz');
	s.assertClean();
	await s.close();
});
