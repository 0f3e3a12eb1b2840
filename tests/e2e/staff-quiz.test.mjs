// The instructor's pages of issues 21 and 23, once in English at desktop
// width and once in Spanish at 360 px: the learners of a course with their
// progress (by display name only, no address); the question bank, where a
// broken GIFT file shows each of its problems by line and imports nothing,
// a good one imports with its categories, and a question is deleted after
// the confirmation; a quiz's settings saved (and a bad value refused next
// to its field); and the statistics page, whose numbers are checked
// against an independent computation on a fixture of attempts, written as
// Intl writes them for the browser's locale.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import {
	ROOT, launch, openPage, ready, axe, shot, registerUser, apiLogin,
	apiFetch, psql, signInBrowser, packModule, uploadModule, smsg,
	notWider, BASE,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const QUIZ = path.join(ROOT, 'tests', 'fixtures', 'quiz');

// docs/example-module: two lessons and a quiz of a true/false and a
// multiple-choice question.
function exampleModule() {
	const base = path.join(ROOT, 'docs', 'example-module');
	const files = {};
	const walk = (dir) => {
		for (const n of readdirSync(dir)) {
			const p = path.join(dir, n);
			if (statSync(p).isDirectory())
				walk(p);
			else
				files[path.relative(base, p)] = readFileSync(p);
		}
	};
	walk(base);
	return packModule(files);
}

// An instructor with a published course of the example module, two
// learners enrolled in it (the first has completed the first lesson) and
// a third who left.
async function courseWithLearners(lang) {
	const author = await registerUser({ language: lang });
	psql(`UPDATE users SET role = 'instructor'
	    WHERE lower(email) = lower(:'email')`, { email: author.email });
	const token = await apiLogin(author.email);
	const slug = `quiz-${lang}-${randomUUID().slice(0, 8)}`;
	const made = await apiFetch('POST', '/api/v1/instructor/courses', {
		token, body: { slug, title: `Quiz course ${lang}`, language: lang } });
	assert.equal(made.status, 201, JSON.stringify(made.body));
	const up = await uploadModule(slug, exampleModule(), token);
	assert.equal(up.status, 201, JSON.stringify(up.body));
	const pub = await apiFetch('POST',
		`/api/v1/instructor/courses/${slug}/publish`, { token });
	assert.equal(pub.status, 200, JSON.stringify(pub.body));
	const tag = randomUUID().slice(0, 6);
	const learners = [];
	for (const name of [`Ada ${tag}`, `Bea ${tag}`, `Cy ${tag}`]) {
		const u = await registerUser({ language: lang, display_name: name });
		u.token = await apiLogin(u.email);
		const r = await apiFetch('POST', `/api/v1/courses/${slug}/enrollment`,
			{ token: u.token });
		assert.equal(r.status, 201, JSON.stringify(r.body));
		learners.push(u);
	}
	const outline = (await apiFetch('GET', `/api/v1/courses/${slug}`)).body;
	const lesson = outline.modules[0].lessons[0].id;
	const beat = await fetch(`${BASE}/api/v1/lessons/${lesson}/progress`, {
		method: 'PUT', headers: { authorization: `Bearer ${learners[0].token}`,
			'content-type': 'application/json',
			'idempotency-key': randomUUID() },
		body: JSON.stringify({ position: 1, time_spent_delta: 5,
			completed: true }) });
	assert.equal(beat.status, 200, await beat.text());
	const left = await apiFetch('DELETE',
		`/api/v1/courses/${slug}/enrollment`, { token: learners[2].token });
	assert.ok([200, 204].includes(left.status), JSON.stringify(left.body));
	const quiz = outline.modules[0].quiz.id;
	return { author, token, slug, learners, quiz, tag };
}

// Submitted attempts, as the quiz engine stores them: each question with
// the attempt's opaque choice ids (map), the answers by those ids, the
// marks. Marks of [q-wait, q-record] and the choices picked.
const ATTEMPTS = [
	{ who: 0, marks: [1, 1], wait: 'false', record: ['a', 'b'] },
	{ who: 0, marks: [0, 1], wait: 'true', record: ['a', 'b'] },
	{ who: 1, marks: [1, 0], wait: 'false', record: ['c'] },
	{ who: 1, marks: [0, 1], wait: 'true', record: ['a', 'b'] },
	{ who: 2, marks: [1, 0.5], wait: 'false', record: ['a', 'c'] },
];
const IDS = { true: 'w1', false: 'w2', a: 'r1', b: 'r2', c: 'r3' };

function storeAttempts(slug, learners) {
	const rows = ATTEMPTS.map((a, i) => {
		const score = 100 * (a.marks[0] + a.marks[1]) / 2;
		return { email: learners[a.who].email,
			number: ATTEMPTS.slice(0, i).filter((x) => x.who === a.who)
				.length + 1,
			answers: { qw: { choice: IDS[a.wait] },
				qr: { choices: a.record.map((k) => IDS[k]) } },
			marks: { qw: a.marks[0], qr: a.marks[1] },
			score, passed: score >= 70 };
	});
	psql(`INSERT INTO quiz_attempts (quiz_id, enrollment_id, user_id, number,
	    state, seed, questions, answers, started_at, submitted_at,
	    submitted_by, marks, score, passed)
	SELECT q.id, e.id, e.user_id, f.number, 'submitted',
	    decode(md5(random()::text), 'hex'),
	    jsonb_build_array(
		jsonb_build_object('id', 'qw', 'question', (SELECT x FROM
		    jsonb_array_elements(q.definition->'questions') x
		    WHERE x->>'key' = 'q-wait'), 'map',
		    '{"ids": {"w1": "true", "w2": "false"}}'::jsonb),
		jsonb_build_object('id', 'qr', 'question', (SELECT x FROM
		    jsonb_array_elements(q.definition->'questions') x
		    WHERE x->>'key' = 'q-record'), 'map',
		    '{"ids": {"r1": "a", "r2": "b", "r3": "c"}}'::jsonb)),
	    f.answers, now() - interval '1 hour', now(), 'learner', f.marks,
	    f.score, f.passed
	FROM jsonb_to_recordset(:'rows'::jsonb) AS f(email text, number int,
	    answers jsonb, marks jsonb, score numeric, passed boolean)
	JOIN users u ON lower(u.email) = lower(f.email)
	JOIN courses c ON c.slug = :'slug'
	JOIN enrollments e ON e.user_id = u.id AND e.course_id = c.id
	JOIN quizzes q ON q.course_id = c.id`,
	{ rows: JSON.stringify(rows), slug });
}

function pearson(xs, ys) {
	const n = xs.length;
	const mx = xs.reduce((a, b) => a + b, 0) / n;
	const my = ys.reduce((a, b) => a + b, 0) / n;
	let sxy = 0;
	let sxx = 0;
	let syy = 0;
	for (let i = 0; i < n; i++) {
		sxy += (xs[i] - mx) * (ys[i] - my);
		sxx += (xs[i] - mx) ** 2;
		syy += (ys[i] - my) ** 2;
	}
	return sxx === 0 || syy === 0 ? null : sxy / Math.sqrt(sxx * syy);
}

for (const [lang, tag, viewport] of [
	['en', 'en-GB', { width: 1280, height: 800 }],
	['es', 'es-ES', { width: 360, height: 740 }]]) {
	test(`an instructor reads learners, imports questions, reads statistics (${lang})`,
		async () => {
			const m = (k, v) => smsg(tag, k, v);
			const pct = (x) => new Intl.NumberFormat(tag, { style: 'percent',
				maximumFractionDigits: 0 }).format(x);
			const c = await courseWithLearners(lang);
			const s = await openPage(browser, { locale: tag, viewport });
			const { page } = s;
			// Provoked: the broken file's 422.
			s.allow((e) => /status of 422/.test(e.text) &&
				/\/questions\/import/.test(e.url));
			await page.goto('/signin');
			await ready(page);
			await signInBrowser(page, c.author.email);

			// The learners, from the course page.
			await page.goto(`/staff/courses/${c.slug}`);
			await ready(page);
			await page.getByRole('link', { name: m('staff.learners.link') })
				.click();
			await page.waitForURL(`**/staff/courses/${c.slug}/learners`);
			const cards = page.locator('#learners > li');
			await cards.first().waitFor();
			assert.equal(await page.locator('#learners-said').textContent(),
				m('staff.learners.count', { n: 2 }));
			assert.deepEqual(await page.locator('#learners h2')
				.allTextContents(), [`Bea ${c.tag}`, `Ada ${c.tag}`]);
			const ada = cards.filter({ hasText: `Ada ${c.tag}` });
			assert.ok((await ada.textContent()).includes(
				m('staff.learners.lessonsDone', { n: 1, total: 2 })));
			assert.equal(await ada.locator('progress').evaluate((e) =>
				e.value), 50);
			assert.ok((await ada.textContent()).includes(
				m('staff.learners.quizzesPassed', { n: 0, total: 1 })));
			const bea = cards.filter({ hasText: `Bea ${c.tag}` });
			assert.ok((await bea.textContent()).includes(
				m('staff.learners.never')));
			// Display names only: no address reaches the page.
			const html = await page.content();
			for (const l of c.learners)
				assert.ok(!html.includes(l.email), 'an address on the page');
			// Searched by name.
			await page.getByLabel(m('staff.learners.search')).fill('ada');
			await page.getByRole('button', { name: m('staff.learners.find') })
				.click();
			await page.waitForURL(/learners\?q=ada/);
			await page.locator('#learners-said', { hasText:
				m('staff.learners.found', { n: 1 }) }).waitFor();
			assert.deepEqual(await page.locator('#learners h2')
				.allTextContents(), [`Ada ${c.tag}`]);
			await notWider(page, 'the learners');
			await axe(page, `learners ${lang}`);
			await shot(page, `staff-${lang}-learners`);

			// The question bank: a broken GIFT file, every problem.
			await page.goto(`/staff/courses/${c.slug}`);
			await ready(page);
			await page.getByRole('link', { name: m('staff.bank.link') }).click();
			await page.waitForURL(`**/staff/courses/${c.slug}/questions`);
			await page.getByText(m('staff.bank.none')).waitFor();
			const broken = readFileSync(path.join(QUIZ, 'broken.gift'));
			const direct = await apiFetch('POST', `/api/v1/instructor/courses/${
				c.slug}/questions/import?format=gift`, { token: c.token,
				headers: { 'content-type': 'text/plain' }, form: broken });
			assert.equal(direct.status, 422, JSON.stringify(direct.body));
			const problems = direct.body.error.problems;
			assert.ok(problems.length >= 3, JSON.stringify(problems));
			await page.getByLabel(m('staff.bank.file')).setInputFiles({
				name: 'broken.gift', mimeType: 'text/plain', buffer: broken });
			await page.getByRole('button', { name: m('staff.bank.send') })
				.click();
			await page.locator('#import-results h3', { hasText:
				m('staff.bank.problems', { n: problems.length }) }).waitFor();
			const items = page.locator('#bank-problems li');
			assert.equal(await items.count(), problems.length);
			const texts = await items.allTextContents();
			problems.forEach((p, i) => {
				assert.ok(p.line, JSON.stringify(p));
				assert.ok(texts[i].startsWith(m('staff.upload.line',
					{ n: p.line })), texts[i]);
				assert.ok(texts[i].endsWith(m(`staff.qproblem.${p.code}`)),
					`${texts[i]} (${p.code})`);
			});
			assert.equal(await page.evaluate(() =>
				document.activeElement.tagName), 'H3');
			assert.equal(psql(`SELECT count(*) FROM question_bank b
			    JOIN courses c ON c.id = b.course_id WHERE c.slug = :'slug'`,
			{ slug: c.slug }), '0');
			await notWider(page, 'the import problems');
			await axe(page, `bank problems ${lang}`);
			await shot(page, `staff-${lang}-bank-problems`);

			// A good file: imported, by category.
			const good = readFileSync(path.join(QUIZ, 'every-type.gift'));
			await page.getByLabel(m('staff.bank.file')).setInputFiles({
				name: 'every-type.gift', mimeType: 'text/plain', buffer: good });
			await page.getByRole('button', { name: m('staff.bank.send') })
				.click();
			await page.locator('#bank-imported').waitFor();
			const stored = Number(psql(`SELECT count(*) FROM question_bank b
			    JOIN courses c ON c.id = b.course_id WHERE c.slug = :'slug'`,
			{ slug: c.slug }));
			assert.ok(stored > 5, String(stored));
			assert.equal(await page.locator('#import-results h3')
				.textContent(), m('staff.bank.imported', { n: stored }));
			assert.equal(await page.locator('#bank [data-key]').count(),
				stored);
			const cats = psql(`SELECT string_agg(DISTINCT category, '|'
			    ORDER BY category) FROM question_bank b JOIN courses c
			    ON c.id = b.course_id WHERE c.slug = :'slug'`,
			{ slug: c.slug }).split('|');
			assert.ok(cats.includes('Safeguarding/Basics'), cats.join());
			const heads = (await page.locator('#bank h3').allTextContents())
				.map((x) => x.replace(/\s*\(.*\)$/, ''));
			assert.deepEqual(heads, cats.map((x) => x ||
				m('staff.bank.noCategory')));
			await notWider(page, 'the bank');
			await axe(page, `bank ${lang}`);
			await shot(page, `staff-${lang}-bank`);

			// Deleted after the confirmation, not before.
			const first = page.locator('#bank [data-key]').first();
			const key = await first.getAttribute('data-key');
			await first.getByRole('button', { name: m('staff.bank.delete') })
				.click();
			assert.equal(psql(`SELECT count(*) FROM question_bank
			    WHERE key = :'key'`, { key }), '1');
			await first.getByRole('button', { name: m('staff.bank.deleteYes') })
				.click();
			await page.locator(`#bank [data-key="${key}"]`)
				.waitFor({ state: 'detached' });
			assert.equal(psql(`SELECT count(*) FROM question_bank
			    WHERE key = :'key'`, { key }), '0');
			assert.equal(await page.locator('#bank [data-key]').count(),
				stored - 1);

			// The statistics of the course's quiz, from its module.
			storeAttempts(c.slug, c.learners);
			await page.goto(`/staff/courses/${c.slug}`);
			await ready(page);
			await page.getByRole('link', { name: m('staff.quiz.statsOf',
				{ title: 'Check your understanding' }) }).click();
			await page.waitForURL((u) => u.pathname ===
				`/staff/quizzes/${c.quiz}/stats` &&
				u.searchParams.get('course') === c.slug);
			await page.locator('#stats-questions > li').first().waitFor();
			const n = ATTEMPTS.length;
			const scores = ATTEMPTS.map((a) => 100 * (a.marks[0] +
				a.marks[1]) / 2);
			assert.equal(await page.locator('#stats-attempts').textContent(),
				new Intl.NumberFormat(tag).format(n));
			assert.equal(await page.locator('#stats-pass').textContent(),
				pct(scores.filter((x) => x >= 70).length / n));
			assert.equal(await page.locator('#stats-mean').textContent(),
				pct(scores.reduce((a, b) => a + b, 0) / n / 100));
			const disc = (x) => (x === null ? m('staff.stats.none') :
				new Intl.NumberFormat(tag, { minimumFractionDigits: 2,
					maximumFractionDigits: 2, signDisplay: 'exceptZero' })
					.format(x));
			for (const [qi, key2, choices] of [[0, 'q-wait', ['true', 'false']],
				[1, 'q-record', ['a', 'b', 'c']]]) {
				const card = page.locator(`#stats-questions > li[data-key="${key2}"]`);
				const marks = ATTEMPTS.map((a) => a.marks[qi]);
				const rest = ATTEMPTS.map((a) => a.marks[1 - qi]);
				assert.equal(await card.locator('.facility').textContent(),
					pct(marks.reduce((a, b) => a + b, 0) / n));
				const d = pearson(marks, rest);
				assert.equal(await card.locator('.discrimination')
					.textContent(), disc(d));
				assert.equal(await card.locator('.notice').count(),
					d !== null && d < 0 ? 1 : 0);
				for (const k of choices) {
					const picks = ATTEMPTS.filter((a) => (qi === 0 ?
						[a.wait] : a.record).includes(k)).length;
					const cells = await card.locator(`tr[data-key="${k}"] td`)
						.allTextContents();
					assert.deepEqual(cells.slice(1), [
						new Intl.NumberFormat(tag).format(picks),
						pct(picks / n)], `${key2} ${k}`);
				}
			}
			await notWider(page, 'the statistics');
			await axe(page, `statistics ${lang}`);
			await shot(page, `staff-${lang}-stats`);
			s.assertClean(`quiz pages ${lang}`);
			await s.close();
		});
}

test('an instructor sets a quiz\'s settings, and a bad value is refused by its field',
	async () => {
		const lang = 'es';
		const tag = 'es-ES';
		const m = (k, v) => smsg(tag, k, v);
		const c = await courseWithLearners(lang);
		const s = await openPage(browser, { locale: tag,
			viewport: { width: 360, height: 740 } });
		const { page } = s;
		s.allow((e) => /status of 422/.test(e.text) &&
			/\/api\/v1\/instructor\/quizzes\//.test(e.url));
		await page.goto('/signin');
		await ready(page);
		await signInBrowser(page, c.author.email);
		await page.goto(`/staff/courses/${c.slug}`);
		await ready(page);
		await page.getByRole('link', { name: m('staff.quiz.settingsOf',
			{ title: 'Check your understanding' }) }).click();
		await page.waitForURL((u) => u.pathname === `/staff/quizzes/${c.quiz}` &&
			u.searchParams.get('course') === c.slug);
		const pass = page.getByLabel(m('staff.quiz.passMark'));
		await pass.waitFor();
		assert.equal(await pass.inputValue(), '70');
		await axe(page, 'quiz settings');

		// A time limit over 600 minutes: the server names the field.
		await page.getByLabel(m('staff.quiz.limit')).fill('601');
		await page.getByRole('button', { name: m('staff.quiz.save') }).click();
		const limitErr = page.locator('#quiz-limit-error');
		await limitErr.waitFor();
		assert.ok((await limitErr.textContent()).includes(
			m('staff.error.field.time_limit_minutes')));
		assert.equal(await page.evaluate(() => document.activeElement.id),
			'quiz-limit');

		await pass.fill('80');
		await page.getByLabel(m('staff.quiz.attempts')).fill('3');
		await page.getByLabel(m('staff.quiz.delay')).fill('10');
		await page.getByLabel(m('staff.quiz.limit')).fill('20');
		await page.getByLabel(m('staff.quiz.grading'), { exact: true })
			.selectOption('last');
		await page.getByLabel(m('staff.quiz.review')).selectOption('score_only');
		await page.getByRole('button', { name: m('staff.quiz.save') }).click();
		await page.locator('#quiz-said', { hasText: m('staff.quiz.saved') })
			.waitFor();
		assert.equal(await page.locator('#quiz-limit-error').isHidden(), true);
		const row = JSON.parse(psql(`SELECT json_build_object('p', pass_mark,
		    'a', attempts_allowed, 'd', attempt_delay_minutes,
		    't', time_limit_minutes, 'g', grading_method, 'r', review_policy)
		    FROM quizzes WHERE id = :'id'`, { id: c.quiz }));
		assert.deepEqual(row, { p: 80, a: 3, d: 10, t: 20, g: 'last',
			r: 'score_only' });
		// Drawn again from the server: the form shows what was saved.
		await page.reload();
		await ready(page);
		assert.equal(await page.getByLabel(m('staff.quiz.passMark'))
			.inputValue(), '80');
		await notWider(page, 'the quiz settings');
		await axe(page, 'quiz settings saved');
		await shot(page, 'staff-es-quiz-settings');
		s.assertClean('quiz settings');
		await s.close();
	});
