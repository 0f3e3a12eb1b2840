// The learner's quiz pages against the real server: a course made through
// the authoring API (a module package with a quiz of every question type,
// then a second module behind it), taken in the browser.
//
// - In English at desktop width: the locked lesson's message leads to the
//   quiz; the learner answers one question online, loses the link
//   (context.setOffline), answers the rest (ordering and matching by
//   keyboard alone), sees that the answers are kept on the device and not
//   yet on the server, comes back online, and submits. The score, the
//   review and the database show that every answer given offline counted;
//   the next module opens.
// - Answers kept on the device survive a reload while saves fail.
// - In Spanish at 360 px, with screenshots: a failed attempt, the score
//   only (the policy shows answers once passed), the attempts left.
// - A time limit: the countdown from the server's deadline on a device
//   whose clock is an hour wrong, the warnings, and the submission when
//   the time is up (timers driven by page.clock).
// Every page: axe, CSP, no console error but those provoked on purpose.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
	launch, openPage, ready, axe, shot, msg, registerUser, apiLogin, apiFetch,
	packModule, uploadModule, instructorCourse, signInBrowser, notWider, psql,
} from './helpers.mjs';

// Markup in course text shows as the text it is.
const QUIZ_TITLE = 'Check your <i>understanding</i> & more';
const QUESTIONS = [
	{ key: 'q-single', type: 'single_choice', lesson: 'one-a',
		prompt: 'Which is most likely a sign of neglect?',
		choices: [
			{ key: 'a', text: 'Often hungry at school', correct: true,
				feedback: 'Yes: a basic need unmet.' },
			{ key: 'b', text: 'A bruise on the shin', correct: false,
				feedback: 'Common in play.' },
			{ key: 'c', text: 'Quiet in class', correct: false }],
		explanation: 'Neglect is an ongoing failure to meet basic needs.' },
	{ key: 'q-multi', type: 'multiple_choice',
		prompt: 'Which are forms of abuse?',
		choices: [
			{ key: 'a', text: 'Physical harm', correct: true },
			{ key: 'b', text: 'Emotional harm', correct: true },
			{ key: 'c', text: 'A family argument', correct: false }] },
	{ key: 'q-tf', type: 'true_false',
		prompt: 'No visible injury means no abuse.',
		choices: [{ key: 'true', text: 'True', correct: false },
			{ key: 'false', text: 'False', correct: true }] },
	{ key: 'q-short', type: 'short_answer',
		prompt: 'Who do you tell first in school?', ignore_accents: true,
		answers: [{ text: 'designated safeguarding lead' },
			{ text: '*safeguarding*', fraction: 0.5 }] },
	{ key: 'q-order', type: 'ordering',
		prompt: 'Put the steps in order.',
		items: [{ key: 'listen', text: 'Listen' },
			{ key: 'record', text: 'Record' },
			{ key: 'report', text: 'Report' },
			{ key: 'review', text: 'Review' }] },
	{ key: 'q-match', type: 'matching', prompt: 'Who does what?',
		pairs: [{ key: 'dsl', prompt: 'Safeguarding lead',
			answer: 'Decides on referral' },
		{ key: 'you', prompt: 'You', answer: 'Passes on the concern' }],
		distractors: ['Investigates the family'] },
];
// Packages take six types (docs/module-package.md); a numeric question
// joins the quiz from the course's question bank, as an import puts it
// there, through the quiz's pool_categories.
const NUMERIC = { key: 'q-numeric', type: 'numeric',
	prompt: 'How many working days, at most, may pass before the referral is confirmed in writing?',
	answers: [{ value: 2.5, tolerance: 0 }] };
const COUNT = QUESTIONS.length + 1;
const RIGHT_ORDER = ['Listen', 'Record', 'Report', 'Review'];
const RIGHT_PAIRS = { 'Safeguarding lead': 'Decides on referral',
	You: 'Passes on the concern' };

let browser;
let course;

// A course of two modules: the first with a lesson and the quiz, the
// second locked until the first is done and its quiz passed.
async function makeCourse(settings) {
	const { token, slug } = await instructorCourse({
		slug: `quiz-${randomUUID().slice(0, 8)}`, title: 'Quizzes in order',
		summary: 'A course with a quiz.', language: 'en',
		audiences: ['health'], estimated_hours: 1 });
	const quiz = { key: 'check-one', title: QUIZ_TITLE, pass_mark: 70,
		required: true, questions: QUESTIONS };
	const mod = (key, order, title, lessons, extra) => packModule({
		'module.json': JSON.stringify({ format: 1, key, title, order,
			summary: `The module ${title}.`, ...extra,
			lessons: lessons.map((l) => ({ key: l, title: `Lesson ${l}`,
				file: `lessons/${l}.md`, minutes: 2 })) }),
		...Object.fromEntries(lessons.map((l) => [`lessons/${l}.md`,
			`## Lesson ${l}\n\nSome words to read.\n`])),
	});
	for (const [key, order, title, lessons, extra] of [
		['one', 1, 'First steps', ['one-a'], { quiz }],
		['two', 2, 'Next steps', ['two-a'], { requires_previous: true }]]) {
		const up = await uploadModule(slug, mod(key, order, title, lessons,
			extra), token);
		assert.equal(up.status, 201, JSON.stringify(up.body));
	}
	const list = await apiFetch('GET',
		`/api/v1/instructor/courses/${slug}/quizzes`, { token });
	assert.equal(list.status, 200, JSON.stringify(list.body));
	const quizId = list.body.quizzes[0].id;
	psql(`INSERT INTO question_bank (course_id, key, category, type,
	    question, source)
	    SELECT id, 'q-numeric', 'numbers', 'numeric', :'q'::jsonb, 'api'
	    FROM courses WHERE slug = :'slug'`,
	{ q: JSON.stringify(NUMERIC), slug });
	const set = await apiFetch('PATCH', `/api/v1/instructor/quizzes/${quizId}`,
		{ token, body: { pool_categories: ['numbers'], ...settings } });
	assert.equal(set.status, 200, JSON.stringify(set.body));
	assert.equal((await apiFetch('POST',
		`/api/v1/instructor/courses/${slug}/publish`, { token })).status, 200);
	const published = (await apiFetch('GET', `/api/v1/courses/${slug}`)).body;
	return { slug, quizId, oneA: published.modules[0].lessons[0],
		twoA: published.modules[1].lessons[0] };
}

// A learner enrolled in the course with its first lesson read, so only
// the quiz stands before the second module.
async function learner(c, language = 'en') {
	const user = await registerUser({ language });
	const token = await apiLogin(user.email);
	assert.equal((await apiFetch('POST', `/api/v1/courses/${c.slug}/enrollment`,
		{ token })).status, 201);
	const r = await apiFetch('PUT', `/api/v1/lessons/${c.oneA.id}/progress`, {
		token, headers: { 'Idempotency-Key': randomUUID() },
		body: { position: 1, time_spent_delta: 0, completed: true } });
	assert.equal(r.status, 200, JSON.stringify(r.body));
	return { user, token };
}

before(async () => {
	browser = await launch();
	course = await makeCourse({ attempts_allowed: 3,
		review_policy: 'after_passing' });
});
after(async () => { await browser?.close(); });

// The attempt as the server has it, through the learner's API.
async function serverAttempt(token, id) {
	const r = await apiFetch('GET', `/api/v1/attempts/${id}`, { token });
	assert.equal(r.status, 200, JSON.stringify(r.body));
	return r.body.attempt || r.body;
}

// Polls the server until fn(attempt) holds (bounded).
async function untilServer(token, id, fn, what) {
	let a;
	for (let i = 0; i < 100; i++) {
		a = await serverAttempt(token, id);
		if (fn(a))
			return a;
		await new Promise((ok) => setTimeout(ok, 100));
	}
	assert.fail(`${what}: ${JSON.stringify(a && a.answers)}`);
}

const section = (page, prompt) => page.locator('section.question', {
	has: page.locator('.prompt', { hasText: prompt }) });

// Ordering by keyboard: each right item in turn is moved up to its place
// with Enter on its Move up button, whose focus must stay with the item.
async function orderByKeyboard(page, t) {
	const q = section(page, 'Put the steps in order.');
	for (let place = 0; place < RIGHT_ORDER.length; place++) {
		const item = RIGHT_ORDER[place];
		const texts = await q.locator('ol.ordering .item-text').allTextContents();
		let at = texts.indexOf(item);
		if (at === place)
			continue;
		await q.getByRole('button', { name: t('quiz.moveUp', { item }) })
			.focus();
		while (at > place) {
			await page.keyboard.press('Enter');
			at--;
			const focused = await page.evaluate(() =>
				document.activeElement.getAttribute('aria-label'));
			assert.equal(focused, t('quiz.moveUp', { item }),
				'the focus stays with the item moved');
		}
	}
	assert.deepEqual(await q.locator('ol.ordering .item-text')
		.allTextContents(), RIGHT_ORDER);
	// And down again by Tab and Space, then back: the buttons are in the
	// tab order, and the place is said aloud.
	await q.getByRole('button', { name: t('quiz.moveUp',
		{ item: RIGHT_ORDER[0] }) }).focus();
	await page.keyboard.press('Tab');
	await page.keyboard.press('Space');
	await q.locator('[aria-live]').getByText(t('quiz.movedTo',
		{ item: RIGHT_ORDER[0], n: 2, total: 4 })).waitFor();
	await q.getByRole('button', { name: t('quiz.moveUp',
		{ item: RIGHT_ORDER[0] }) }).focus();
	await page.keyboard.press('Enter');
	assert.deepEqual(await q.locator('ol.ordering .item-text')
		.allTextContents(), RIGHT_ORDER);
}

// Matching by keyboard: each prompt's select, arrowed down to its answer.
async function matchByKeyboard(page) {
	const q = section(page, 'Who does what?');
	for (const [prompt, answer] of Object.entries(RIGHT_PAIRS)) {
		const select = q.getByLabel(prompt, { exact: true });
		const options = await select.locator('option').allTextContents();
		const want = options.indexOf(answer);
		assert.ok(want > 0, `${answer} is an option`);
		await select.focus();
		for (let i = 0; i < want; i++)
			await page.keyboard.press('ArrowDown');
		assert.equal(await select.evaluate((s) =>
			s.options[s.selectedIndex].text), answer);
	}
}

test('a quiz taken with the link lost half way: answers kept, sent, graded',
	async () => {
		const t = (key, vars) => msg('en-GB', key, vars);
		const c = course;
		const { user, token } = await learner(c);
		const s = await openPage(browser);
		const { page, context } = s;
		await page.clock.install();
		await page.goto('/signin');
		await ready(page);
		await signInBrowser(page, user.email);
		s.allow((e) => /status of 4(03|23)/.test(e.text) &&
			e.url.endsWith(`/lessons/${c.twoA.id}`));

		// The locked lesson says the quiz is left, and links to it.
		await page.goto(`/lessons/${c.twoA.id}`);
		await ready(page);
		await page.getByText(t('lesson.unlockModuleQuiz',
			{ title: 'First steps', quiz: QUIZ_TITLE })).waitFor();
		await page.getByRole('link', { name: t('lesson.goQuiz',
			{ quiz: QUIZ_TITLE }) }).click();
		await page.waitForURL(`**/quizzes/${c.quizId}`);
		await page.getByRole('heading', { level: 1, name: QUIZ_TITLE })
			.waitFor();
		const facts = await page.locator('#quiz-facts').innerText();
		assert.match(facts, new RegExp(t('quiz.questionCount',
			{ n: COUNT })));
		assert.match(facts, new RegExp(t('quiz.attemptsOf',
			{ n: 3, used: 0 })));
		assert.match(facts, /70%/);
		await page.getByText(t('quiz.noAttempts')).waitFor();
		assert.equal(await page.locator('main i, main script').count(), 0);
		await axe(page, 'quiz summary');
		await shot(page, 'quiz-en-01-summary');

		await page.getByRole('button', { name: t('quiz.start') }).click();
		await page.waitForURL(/\?attempt=/);
		const attemptId = new URL(page.url()).searchParams.get('attempt');
		await page.locator('#quiz-form').waitFor();
		assert.equal(await page.locator('section.question').count(), COUNT);
		await axe(page, 'quiz taking');

		// One answer online: saved on the server.
		await section(page, 'sign of neglect').getByLabel(
			'Often hungry at school').check();
		await untilServer(token, attemptId, (a) =>
			Object.keys(a.answers || {}).length === 1, 'first answer saved');
		await page.locator('#save-status').getByText(t('quiz.save.saved'))
			.waitFor();

		// The link drops.
		s.allow((e) => /ERR_INTERNET_DISCONNECTED|ERR_FAILED/.test(e.text));
		await context.setOffline(true);
		const multi = section(page, 'forms of abuse');
		await multi.getByLabel('Physical harm').check();
		await multi.getByLabel('Emotional harm').check();
		await section(page, 'No visible injury').getByLabel('False').check();
		await section(page, 'tell first').getByLabel(
			'Who do you tell first in school?')
			.fill('Designated Safeguarding Lead');
		const num = section(page, 'working days').getByLabel(/working days/);
		await num.fill('2,5');
		await num.press('Tab');
		assert.equal(await num.getAttribute('aria-invalid'), 'false');
		await orderByKeyboard(page, t);
		await matchByKeyboard(page);
		await page.locator('#save-status[data-state="offline"]')
			.getByText(t('quiz.save.offline')).waitFor();
		await page.locator('[role="status"]').getByText(
			t('quiz.save.offline')).waitFor();
		await page.getByText(t('quiz.answeredOf', { n: 7, done: 7 }))
			.waitFor();
		await shot(page, 'quiz-en-02-offline');
		await axe(page, 'quiz offline');

		// Kept on this device, for this learner; not on the server yet.
		const kept = await page.evaluate((id) => JSON.parse(
			localStorage.getItem(`sg_quiz_v1_${id}`)), attemptId);
		assert.ok(kept, 'the answers are in localStorage');
		assert.equal(Object.keys(kept.pending).length, 6);
		assert.deepEqual(Object.keys(kept).sort(), ['at', 'pending', 'uid']);
		assert.equal(Object.keys((await serverAttempt(token, attemptId))
			.answers).length, 1);

		// The link is back: the page sends them by itself, at the online
		// event (the clock stands still, so no retry timer can).
		await page.clock.pauseAt(Date.now() + 3600 * 1000);
		await context.setOffline(false);
		await page.locator('#save-status[data-state="saved"]').waitFor();
		await page.locator('[role="status"]').getByText(
			t('quiz.save.back')).waitFor();
		const saved = await untilServer(token, attemptId, (a) =>
			Object.keys(a.answers || {}).length === COUNT,
		'the offline answers reach the server');
		assert.equal(await page.evaluate((id) => localStorage.getItem(
			`sg_quiz_v1_${id}`), attemptId), null, 'nothing left to send');
		const numQ = saved.questions.find((q) => q.type === 'numeric');
		assert.deepEqual(saved.answers[numQ.id], { value: '2,5' });
		await page.clock.resume();

		// Submit, after the confirmation (nothing leaves before the yes).
		await page.getByRole('button', { name: t('quiz.submit') }).click();
		await page.getByRole('alert').getByText(t('quiz.confirmAll'))
			.waitFor();
		assert.equal(await page.evaluate(() => document.activeElement.id),
			'confirm-cancel');
		assert.equal((await serverAttempt(token, attemptId)).state, 'open');
		await axe(page, 'quiz confirm');
		await page.getByRole('button', { name: t('quiz.confirmYes') }).click();
		const score = new Intl.NumberFormat('en-GB', { style: 'percent',
			maximumFractionDigits: 1 }).format(1);
		await page.locator('#verdict').getByText(t('quiz.resultPassed',
			{ score })).waitFor();
		assert.equal(await page.evaluate(() => document.activeElement.tagName),
			'H1');
		// The review: every question right, the offline ones included.
		const states = await page.locator('.review-item .review-state strong')
			.allTextContents();
		assert.deepEqual(states, Array(COUNT).fill(t('quiz.state.correct')));
		await page.locator('.review-item').filter({ hasText: 'working days' })
			.getByText('2,5').waitFor();
		await page.getByText('Neglect is an ongoing failure').waitFor();
		await shot(page, 'quiz-en-03-result');
		await axe(page, 'quiz result');

		// And in the database: graded once, every answer given offline
		// marked right.
		const row = psql(`SELECT state, score::int, passed,
		    (SELECT count(*) FROM jsonb_object_keys(answers)),
		    (SELECT count(*) FROM jsonb_each(marks) WHERE value::numeric = 1)
		    FROM quiz_attempts WHERE id = :'id'`, { id: attemptId });
		assert.equal(row, `submitted|100|t|${COUNT}|${COUNT}`);

		// The next module is open now, and the outline says passed.
		await page.getByRole('link', { name: /Quizzes in order/ }).first()
			.click();
		await page.getByRole('link', { name: t('course.quizLink',
			{ title: QUIZ_TITLE }) }).waitFor();
		await page.locator('li.quiz').getByText(t('course.quizPassed'),
			{ exact: false }).waitFor();
		await page.goto(`/lessons/${c.twoA.id}`);
		await ready(page);
		await page.getByRole('heading', { level: 1, name: 'Lesson two-a' })
			.waitFor();
		// The quiz's page now shows the grade and the attempt.
		await page.goto(`/quizzes/${c.quizId}`);
		await ready(page);
		await page.getByText(t('quiz.youPassed', { score })).waitFor();
		await page.getByRole('link', { name: t('quiz.seeResultN', { n: 1 }) })
			.waitFor();
		s.assertClean();
		await s.close();
	});

test('answers kept on the device survive a reload, and leave from any page',
	async () => {
		const t = (key, vars) => msg('en-GB', key, vars);
		const { user, token } = await learner(course);
		const s = await openPage(browser);
		const { page } = s;
		await page.goto('/signin');
		await ready(page);
		await signInBrowser(page, user.email);
		await page.goto(`/quizzes/${course.quizId}`);
		await ready(page);
		await page.getByRole('button', { name: t('quiz.start') }).click();
		await page.waitForURL(/\?attempt=/);
		const attemptId = new URL(page.url()).searchParams.get('attempt');

		// Saves fail (the server cannot be reached for them).
		s.allow((e) => /ERR_FAILED/.test(e.text) && /\/answers$/.test(e.url));
		await page.route('**/api/v1/attempts/*/answers', (r) => r.abort());
		await section(page, 'No visible injury').getByLabel('True').check();
		await section(page, 'tell first').getByLabel(
			'Who do you tell first in school?').fill('the head teacher');
		await page.locator('#save-status[data-state="offline"]').waitFor();
		await page.reload();
		await ready(page);
		await page.locator('#quiz-form').waitFor();
		// Drawn from the device, not the server.
		assert.ok(await section(page, 'No visible injury').getByLabel('True')
			.isChecked());
		assert.equal(await section(page, 'tell first').getByLabel(
			'Who do you tell first in school?').inputValue(),
		'the head teacher');
		assert.equal(Object.keys((await serverAttempt(token, attemptId))
			.answers).length, 0);
		// The way is open again, and the learner is on another page: the
		// page they land on sends what was kept.
		await page.unroute('**/api/v1/attempts/*/answers');
		await page.goto(`/courses/${course.slug}`);
		await ready(page);
		await untilServer(token, attemptId, (a) =>
			Object.keys(a.answers || {}).length === 2, 'kept answers sent');
		for (let i = 0; i < 100 && await page.evaluate((id) =>
			localStorage.getItem(`sg_quiz_v1_${id}`), attemptId); i++)
			await page.waitForTimeout(50);
		assert.equal(await page.evaluate((id) => localStorage.getItem(
			`sg_quiz_v1_${id}`), attemptId), null, 'nothing left to send');
		assert.equal(new URL(page.url()).pathname, `/courses/${course.slug}`);
		// Continue from the quiz's page leads back to the same attempt.
		await page.goto(`/quizzes/${course.quizId}`);
		await ready(page);
		await page.getByRole('link', { name: t('quiz.continue') }).first()
			.click();
		await page.waitForURL(`**?attempt=${attemptId}`);
		assert.ok(await section(page, 'No visible injury').getByLabel('True')
			.isChecked());
		s.assertClean();
		await s.close();
	});

test('en español a 360 px: un intento suspendido, solo la nota', async () => {
	const t = (key, vars) => msg('es-ES', key, vars);
	const { user, token } = await learner(course, 'es');
	const s = await openPage(browser, { locale: 'es-ES',
		viewport: { width: 360, height: 740 } });
	const { page } = s;
	const step = async (name) => {
		await shot(page, `quiz-es-${name}`);
		await axe(page, `es ${name}`);
		await notWider(page, `es ${name}`);
		s.assertClean(`at es ${name}`);
	};
	await page.goto('/signin');
	await ready(page);
	await signInBrowser(page, user.email);
	await page.goto(`/courses/${course.slug}`);
	await ready(page);
	assert.equal(await page.getAttribute('html', 'lang'), 'es');
	await page.getByRole('link', { name: t('course.quizLink',
		{ title: QUIZ_TITLE }) }).click();
	await page.getByRole('button', { name: t('quiz.start') }).waitFor();
	await page.getByText(t('quiz.policy.after_passing')).waitFor();
	await step('01-resumen');
	await page.getByRole('button', { name: t('quiz.start') }).click();
	await page.locator('#quiz-form').waitFor();
	await page.getByText(t('quiz.questionN', { n: 1, total: 7 })).waitFor();
	await step('02-preguntas');

	// Wrong or no answers; a number that is not one is said at once.
	await section(page, 'sign of neglect').getByLabel('Quiet in class').check();
	const num = section(page, 'working days').getByLabel(/working days/);
	await num.fill('1.000,5');
	await num.press('Tab');
	assert.equal(await num.getAttribute('aria-invalid'), 'true');
	await section(page, 'working days').getByText(t('quiz.notANumberYet'))
		.waitFor();
	const attemptId = new URL(page.url()).searchParams.get('attempt');
	await untilServer(token, attemptId, (a) =>
		Object.keys(a.answers || {}).length === 2, 'two answers saved');
	await page.locator('#save-status[data-state="saved"]').waitFor();
	await step('03-respuestas');

	await page.getByRole('button', { name: t('quiz.submit') }).click();
	await page.getByText(t('quiz.confirmUnanswered', { n: 5 })).waitFor();
	await step('04-confirmar');
	// "Keep answering" takes the focus back to Submit, nothing sent.
	await page.getByRole('button', { name: t('quiz.confirmNo') }).click();
	assert.equal(await page.evaluate(() => document.activeElement.id),
		'submit');
	await page.getByRole('button', { name: t('quiz.submit') }).click();
	await page.getByRole('button', { name: t('quiz.confirmYes') }).click();
	const zero = new Intl.NumberFormat('es-ES', { style: 'percent',
		maximumFractionDigits: 1 });
	await page.locator('#verdict').getByText(t('quiz.resultFailed',
		{ score: zero.format(0), pass: zero.format(0.7) })).waitFor();
	// Not passed: the policy shows the score only, no answer.
	await page.locator('#no-review').getByText(
		t('quiz.policy.after_passing')).waitFor();
	assert.equal(await page.locator('.review-item').count(), 0);
	const html = await page.content();
	assert.ok(!html.includes('Neglect is an ongoing failure'),
		'no explanation before passing');
	await step('05-resultado');

	await page.getByRole('link', { name: t('quiz.backToQuiz') }).click();
	await page.getByRole('button', { name: t('quiz.startAgain') }).waitFor();
	const facts = await page.locator('#quiz-facts').innerText();
	assert.ok(facts.includes(t('quiz.attemptsOf', { n: 3, used: 1 })), facts);
	await page.getByRole('link', { name: t('quiz.seeResultN', { n: 1 }) })
		.waitFor();
	await step('06-intentos');
	s.assertClean();
	await s.close();
});

test('a time limit: countdown from the server clock, warnings, time up',
	async () => {
		const t = (key, vars) => msg('en-GB', key, vars);
		const c = await makeCourse({ time_limit_minutes: 6,
			attempts_allowed: 1 });
		const { user, token } = await learner(c);
		const s = await openPage(browser, { viewport: { width: 360,
			height: 740 } });
		const { page } = s;
		// This device's clock is an hour fast: the countdown must not care.
		await page.clock.install({ time: Date.now() + 3600 * 1000 });
		await page.goto('/signin');
		await ready(page);
		await signInBrowser(page, user.email);
		await page.goto(`/quizzes/${c.quizId}`);
		await ready(page);
		await page.getByText(t('quiz.timeWarning', { n: 6 })).waitFor();
		await page.getByRole('button', { name: t('quiz.start') }).click();
		await page.locator('#quiz-form').waitFor();
		const attemptId = new URL(page.url()).searchParams.get('attempt');
		const timer = page.locator('#timer');
		await timer.getByText(/0[56]:\d\d/).waitFor();
		assert.match(await timer.innerText(), /^Time left: 0[56]:\d\d$/);
		assert.equal(await page.locator('#quiz-warning').innerText(), '');
		await section(page, 'sign of neglect').getByLabel(
			'Often hungry at school').check();
		await untilServer(token, attemptId, (a) =>
			Object.keys(a.answers || {}).length === 1, 'answer saved');
		await shot(page, 'quiz-timer-01');

		await page.clock.fastForward('01:05');
		await page.locator('#quiz-warning[role="alert"]').getByText(
			t('quiz.warnLeft', { n: 5 })).waitFor();
		await axe(page, 'five minutes left');
		await page.clock.fastForward('04:00');
		await page.locator('#quiz-warning').getByText(
			t('quiz.warnLeft', { n: 1 })).waitFor();
		await shot(page, 'quiz-timer-02-one-minute');
		await page.clock.fastForward('01:00');
		// Time is up: what was answered is submitted, and the result shown.
		// One of seven right: 14.28… reads 14.2 %, never rounded up.
		await page.locator('#verdict').getByText(t('quiz.resultFailed', {
			score: '14.2%', pass: '70%' })).waitFor();
		const a = await serverAttempt(token, attemptId);
		assert.equal(a.state, 'submitted');
		assert.equal(psql(`SELECT (SELECT count(*) FROM
		    jsonb_object_keys(answers)) || '|' || round(score, 2)
		    FROM quiz_attempts WHERE id = :'id'`, { id: attemptId }),
		'1|14.29');
		await notWider(page, 'timer result');
		await shot(page, 'quiz-timer-03-result');
		// The one attempt allowed is used: the quiz's page says so, and
		// offers no start.
		await page.getByRole('link', { name: t('quiz.backToQuiz') }).click();
		await page.locator('#cannot-start').getByText(
			t('quiz.cannot.attempts_exhausted')).waitFor();
		assert.equal(await page.getByRole('button', { name: /Start/ }).count(),
			0);
		await axe(page, 'no attempt left');
		s.assertClean();
		await s.close();
	});
