// The seeded demo course completed end to end in the browser (issue 21):
// a new learner signs in with the form, enrolls, reads every lesson to its
// end (the reader's own beats complete each one), takes each module's
// required quiz answering right, and finishes the course. The page says
// so, and the database has the completion, the quiz passes, and the
// certificate the certificate_issue job makes.
//
// The right answers are read from the seed's module.json files, as an
// author wrote them; the page shows choice texts under opaque ids, so
// every answer is given by its text: labels for choices, Move up buttons
// by keyboard for ordering, a select for each matching prompt.
//
// Once in English at desktop width, once in Spanish at 360 px. Every page:
// axe, CSP, no console error, screenshots, nothing wider than a phone.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
	launch, openPage, ready, axe, shot, msg, notWider, registerUser, psql,
	apiFetch, ROOT, PASSWORD, EN_SLUG, ES_SLUG,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const runs = [
	{ name: 'en', locale: 'en-GB', lang: 'en', slug: EN_SLUG,
		viewport: { width: 1280, height: 720 } },
	{ name: 'es', locale: 'es-ES', lang: 'es', slug: ES_SLUG,
		viewport: { width: 360, height: 740 } },
];

for (const r of runs) {
	test(`the demo course completed in the browser (${r.name})`,
		{ timeout: 110000 }, async () => {
			await complete(r);
		});
}

// The seed's modules in the course's order, each with its quiz.
function seedModules(slug) {
	const dir = path.join(ROOT, 'sql', 'seed', 'courses', slug);
	const course = JSON.parse(readFileSync(path.join(dir, 'course.json'),
		'utf8'));
	return course.modules.map((m) => JSON.parse(readFileSync(
		path.join(dir, m, 'module.json'), 'utf8')));
}

// A choice is right when it earns credit: "correct", or a positive
// fraction (partial-credit multiple choice).
const right = (c) => c.correct === true || (c.fraction ?? 0) > 0;

// What a learner types for a short answer: the first accepted answer
// with full credit, its wildcards left out ("*safeguarding lead*").
function shortAnswer(q) {
	const a = q.answers.find((x) => (x.fraction ?? 1) === 1);
	return a.text.replace(/\*/g, '').trim();
}

const sleep = (ms) => new Promise((ok) => setTimeout(ok, ms));

async function complete(r) {
	const t = (key, vars) => msg(r.locale, key, vars);
	const modules = seedModules(r.slug);
	const course = (await apiFetch('GET', `/api/v1/courses/${r.slug}`)).body;
	assert.equal(course.modules.length, modules.length);
	const s = await openPage(browser, { locale: r.locale,
		viewport: r.viewport });
	const { page } = s;
	const step = async (name) => {
		await shot(page, `demo-${r.name}-${name}`);
		await axe(page, `${r.name} ${name}`);
		await notWider(page, `${r.name} ${name}`);
		s.assertClean(`at ${r.name} ${name}`);
	};

	// A new learner signs in with the form, and lands on the course.
	const name = r.lang === 'es' ? 'Lucía Fernández' : 'Grace Okafor';
	const user = await registerUser({ language: r.lang, display_name: name });
	const here = `/courses/${r.slug}`;
	await page.goto(`/signin?next=${encodeURIComponent(here)}`);
	await ready(page);
	assert.equal(await page.getAttribute('html', 'lang'), r.lang);
	await page.getByLabel(t('form.email')).fill(user.email);
	await page.getByLabel(t('form.password'), { exact: true }).fill(PASSWORD);
	await page.getByRole('button', { name: t('signin.submit') }).click();
	await page.waitForURL(`**${here}`);
	await page.getByRole('heading', { level: 1, name: course.title })
		.waitFor();

	// Enroll.
	await page.getByRole('button', { name: t('course.enroll') }).click();
	const start = page.getByRole('link', { name: t('course.start') });
	await start.waitFor();
	await step('01-enrolled');
	// How the next lesson is opened: Start, then Next, Continue.
	let open = () => start.click();

	const quizIds = [];
	for (const [mi, mod] of course.modules.entries()) {
		const seed = modules[mi];
		assert.equal(mod.title, seed.title);
		assert.deepEqual(mod.lessons.map((l) => l.title),
			seed.lessons.map((l) => l.title));
		// Each lesson, read to the end.
		for (const [li, lesson] of mod.lessons.entries()) {
			await readLesson(page, t, lesson, open, mi === 0 && li === 0 ?
				() => step('02-lesson') : null);
			open = () => page.locator('.pager a[rel="next"]').click();
		}
		// Back to the course, and its quiz.
		await page.locator('nav.crumbs a').click();
		await page.waitForURL(`**${here}`);
		await page.locator('ol.lessons').nth(mi).getByRole('link',
			{ name: t('course.quizLink', { title: seed.quiz.title }) })
			.click();
		await page.waitForURL('**/quizzes/*');
		quizIds.push(new URL(page.url()).pathname.split('/').at(-1));
		const last = mi === course.modules.length - 1;
		await takeQuiz(page, t, seed.quiz, step, `0${3 + mi}-quiz${mi + 1}`,
			last);
		// The result's way back to the course, where the quiz is passed.
		await page.getByRole('link', { name: t('quiz.backToCourse') }).click();
		await page.waitForURL(`**${here}`);
		await page.locator('ol.lessons').nth(mi).locator('li.quiz')
			.getByText(t('course.quizPassed'), { exact: false }).waitFor();
		if (!last) {
			// Continue leads to the next module's first lesson.
			const cont = page.locator('#continue');
			await cont.waitFor();
			assert.equal(await cont.textContent(), t('course.continue'));
			assert.equal(await cont.getAttribute('href'),
				`/lessons/${course.modules[mi + 1].lessons[0].id}`);
			open = () => cont.click();
		}
	}

	// The course page says it is completed, on the day the server says.
	const enr = psql(`SELECT e.id, to_json(e.completed_at) #>> '{}'
	    FROM enrollments e JOIN users u ON u.id = e.user_id
	    JOIN courses c ON c.id = e.course_id
	    WHERE lower(u.email) = lower(:'email') AND c.slug = :'slug'`,
	{ email: user.email, slug: r.slug }).split('|');
	assert.equal(enr.length, 2, 'one enrollment');
	const [enrollmentId, completedAt] = enr;
	assert.ok(completedAt, 'enrollments.completed_at is set');
	const day = await page.evaluate(([tag, iso]) => new Intl.DateTimeFormat(
		tag, { dateStyle: 'medium' }).format(new Date(iso)),
	[r.locale, completedAt]);
	await page.getByText(t('course.completedOn', { date: day }), { exact: true })
		.waitFor();
	assert.equal(await page.locator('main progress')
		.getAttribute('value'), '100');
	assert.equal(await page.locator('ol.lessons li.is-completed').count(),
		course.modules.reduce((n, m) => n + m.lessons.length + 1, 0),
		'every lesson and quiz of the outline shows completed');
	// Its button no longer says to continue: the course is done.
	assert.equal(await page.locator('#continue').textContent(),
		t('learning.review'));
	await step('05-course-completed');

	// My learning says the same.
	await page.getByRole('link', { name: t('nav.learning'), exact: true })
		.first().click();
	await page.waitForURL('**/learning');
	const item = page.locator('#enrollments > li').first();
	await item.getByText(t('course.completedOn', { date: day })).waitFor();
	await item.getByRole('link', { name: new RegExp(t('learning.review')) })
		.waitFor();
	await step('06-my-learning');

	// The database: every lesson completed, each quiz passed by one
	// attempt with every question right, the course completed.
	assert.equal(psql(`SELECT count(*) FROM lesson_progress
	    WHERE enrollment_id = :'e' AND completed_at IS NOT NULL`,
	{ e: enrollmentId }), String(course.modules.reduce((n, m) =>
		n + m.lessons.length, 0)));
	assert.equal(psql(`SELECT string_agg(quiz_id::text, ',' ORDER BY quiz_id)
	    FROM quiz_passes WHERE enrollment_id = :'e'`, { e: enrollmentId }),
	[...quizIds].sort().join(','), 'a quiz_passes row for each quiz');
	const attempts = psql(`SELECT quiz_id, state, submitted_by, score::int,
	    passed, (SELECT count(*) FROM jsonb_each(marks)
		WHERE value::numeric = 1), jsonb_array_length(questions)
	    FROM quiz_attempts WHERE enrollment_id = :'e' ORDER BY started_at`,
	{ e: enrollmentId }).split('\n');
	assert.deepEqual(attempts, quizIds.map((id, i) => {
		const n = modules[i].quiz.questions.length;
		return `${id}|submitted|learner|100|t|${n}|${n}`;
	}));
	assert.equal(psql(`SELECT count(*) FROM enrollments WHERE id = :'e'
	    AND completed_at IS NOT NULL`, { e: enrollmentId }), '1');

	// The certificate, issued by the certificate_issue job enqueued with
	// the completion (the job runs in the server: poll, bounded).
	let cert = '';
	for (let i = 0; i < 150 && !cert; i++) {
		cert = psql(`SELECT c.code, c.name, c.course_title, c.language,
		    c.completed_at = e.completed_at, c.user_id = e.user_id,
		    c.revoked_at IS NULL
		    FROM certificates c JOIN enrollments e ON e.id = c.enrollment_id
		    WHERE c.enrollment_id = :'e'`, { e: enrollmentId });
		if (!cert)
			await sleep(100);
	}
	assert.ok(cert, 'the certificate_issue job issued a certificate');
	const [code, ...rest] = cert.split('|');
	assert.match(code, /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
	assert.deepEqual(rest, [name, course.title, r.lang, 't', 't', 't']);
	assert.equal(psql(`SELECT count(*) FROM certificates
	    WHERE enrollment_id = :'e'`, { e: enrollmentId }), '1');
	let job = '';
	for (let i = 0; i < 100 && job !== 'done'; i++) {
		// One job a completion: its key names the enrollment and the
		// completion's time (docs/certificates.md, rounds).
		job = psql(`SELECT j.state FROM jobs j JOIN enrollments e
		    ON j.dedupe_key = 'certificate_issue:' || e.id || ':' ||
			extract(epoch FROM e.completed_at)
		    WHERE j.kind = 'certificate_issue' AND e.id = :'e'`,
		{ e: enrollmentId });
		if (job !== 'done')
			await sleep(100);
	}
	assert.equal(job, 'done', 'the certificate_issue job is done');

	s.assertClean(`after the ${r.name} run`);
	await s.close();
}

// A lesson read to its end in the page: the reader marks it completed
// with its own beat when the end comes into view. Waited for from before
// the lesson is drawn, since a short one may be in view at once.
async function readLesson(page, t, lesson, open, step) {
	const completed = page.waitForResponse(async (res) => {
		const req = res.request();
		if (req.method() !== 'PUT' || res.status() !== 200 ||
		    !res.url().endsWith(`/api/v1/lessons/${lesson.id}/progress`))
			return false;
		return (await res.json()).status === 'completed';
	});
	await open();
	await page.waitForURL(`**/lessons/${lesson.id}`);
	await page.getByRole('heading', { level: 1, name: lesson.title })
		.waitFor();
	await page.locator('.lesson-body').waitFor();
	if (step)
		await step();
	await page.evaluate(() => window.scrollTo(0,
		document.documentElement.scrollHeight));
	const done = await (await completed).json();
	assert.equal(done.status, 'completed');
	const said = t('lesson.completed', { p: await percent(page,
		done.course.percent / 100, 0) });
	const status = page.locator('.save-status[data-done="1"]');
	await status.waitFor();
	assert.equal(await status.textContent(), said);
}

// The quiz's page, an attempt, every question answered right, submitted;
// the result says passed with 100 %, and on the last quiz that the course
// is completed.
async function takeQuiz(page, t, quiz, step, shotName, last) {
	await page.getByRole('heading', { level: 1, name: quiz.title }).waitFor();
	await page.getByRole('button', { name: t('quiz.start') }).click();
	await page.waitForURL(/\?attempt=/);
	await page.locator('#quiz-form').waitFor();
	const qs = quiz.questions;
	const shown = await page.locator('section.question').evaluateAll((els) =>
		els.map((el) => [el.querySelector('.prompt').textContent,
			el.dataset.qid]));
	assert.deepEqual(shown.map((x) => x[0]).sort(),
		qs.map((q) => q.prompt).sort(), 'every question of the seed, once');
	const qid = new Map(shown);
	await step(`${shotName}-a-questions`);

	for (const q of qs) {
		const sec = page.locator(`section.question[data-qid="${qid.get(q.prompt)}"]`);
		await answer(page, t, sec, q);
	}
	await page.getByText(t('quiz.answeredOf', { n: qs.length,
		done: qs.length })).waitFor();
	await page.locator('#save-status[data-state="saved"]').waitFor();
	await step(`${shotName}-b-answered`);

	await page.getByRole('button', { name: t('quiz.submit') }).click();
	await page.getByRole('alert').getByText(t('quiz.confirmAll')).waitFor();
	await page.getByRole('button', { name: t('quiz.confirmYes') }).click();
	const verdict = page.locator('#verdict');
	await verdict.waitFor();
	const full = t('quiz.resultPassed', { score: await percent(page, 1) });
	assert.equal(await verdict.textContent(), full);
	const states = await page.locator('.review-item .review-state strong')
		.allTextContents();
	assert.deepEqual(states, Array(qs.length).fill(t('quiz.state.correct')));
	assert.equal(await page.locator('#course-done').count(), last ? 1 : 0);
	if (last) {
		assert.equal(await page.locator('#course-done').textContent(),
			t('quiz.courseCompleted'));
	}
	await step(`${shotName}-c-result`);
}

// A fraction as the page writes a percentage, in the page's own locale.
function percent(page, f, digits = 1) {
	return page.evaluate(([x, d]) => new Intl.NumberFormat(navigator.language,
		{ style: 'percent', maximumFractionDigits: d }).format(x), [f, digits]);
}

async function answer(page, t, sec, q) {
	switch (q.type) {
	case 'single_choice':
	case 'true_false':
		await sec.getByLabel(q.choices.find(right).text, { exact: true })
			.check();
		break;
	case 'multiple_choice':
		for (const c of q.choices.filter(right))
			await sec.getByLabel(c.text, { exact: true }).check();
		break;
	case 'short_answer':
		await sec.getByLabel(q.prompt, { exact: true }).fill(shortAnswer(q));
		break;
	case 'numeric':
		await sec.getByLabel(q.prompt, { exact: true })
			.fill(String(q.answers[0].value));
		break;
	case 'ordering':
		await orderByKeyboard(page, t, sec, q.items.map((i) => i.text));
		break;
	case 'matching':
		for (const p of q.pairs) {
			await sec.getByLabel(p.prompt, { exact: true })
				.selectOption({ label: p.answer });
		}
		break;
	default:
		assert.fail(`no way to answer a ${q.type} question`);
	}
}

// Each item in turn moved up to its place with Enter on its Move up
// button; the focus stays with the item moved.
async function orderByKeyboard(page, t, sec, want) {
	const texts = () => sec.locator('ol.ordering .item-text')
		.allTextContents();
	for (let place = 0; place < want.length; place++) {
		const item = want[place];
		let at = (await texts()).indexOf(item);
		assert.ok(at >= 0, `${item} is an item`);
		if (at === place)
			continue;
		await sec.getByRole('button', { name: t('quiz.moveUp', { item }),
			exact: true }).focus();
		for (; at > place; at--)
			await page.keyboard.press('Enter');
		assert.equal(await page.evaluate(() =>
			document.activeElement.getAttribute('aria-label')),
		t('quiz.moveUp', { item }));
	}
	assert.deepEqual(await texts(), want);
}
