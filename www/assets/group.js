// The group view: conversation (messages and actions with their responses, tallies and reactions),
// posting (poll, survey, job, announcement, image), members, subscribers and webhooks.
import { h, errorText, toast, showError, busy, tabs, when, initials, phones, toDate, icon, num, textUrl, download, fileSafe } from './ui.js';
import * as emu from './emulator.js';

let seq = 0;
const EVENT_TYPES = ['TextMessageCreated', 'AttachmentCreated', 'Announcement', 'ActionCreated', 'ActionResponse',
  'SurveyCreated', 'SurveyResponse', 'JobCreated', 'JobResponse', 'MemberAdded', 'MemberRemoved', 'GroupAdded', 'GroupRemoved',
  'PollCreated', 'PollResponse', 'LetsMeetCreated', 'LetsMeetResponse'];

export class GroupView {
  constructor({ client, group, me, seed, onAuthError, onMembersChanged }) {
    this.client = client;
    this.onMembersChanged = onMembersChanged;
    this.g = group;
    this.id = group.groupId;
    this.me = me;
    this.seed = seed;
    this.onAuthError = onAuthError;
    this.isPublic = group.groupType === 'ConnectGroup';
    this.uid = `g${++seq}`;
    this.timers = [];
    this.inboxes = new Set();
    this.seenEvents = new Set();
    this.reactions = new Map();
    this.el = this.render();
  }

  close() {
    this.closed = true;
    this.timers.forEach(clearInterval);
    this.timers = [];
    for (const url of [this.errorLogUrl, this.sampleUrl]) if (url) URL.revokeObjectURL(url);
  }

  focus() {
    this.el.querySelector('h1').focus();
  }

  /** Runs a client call; errors become a readable message (in errEl, or a toast). */
  async call(button, fn, errEl) {
    return busy(button, async () => {
      try {
        return await fn();
      } catch (e) {
        if (this.onAuthError && (await this.onAuthError(e))) return undefined;
        throw e;
      }
    }, errEl);
  }

  // ------------------------------------------------------------ layout

  render() {
    const g = this.g;
    const u = this.uid;
    const tab = (key, label) => h('button', {
      type: 'button', role: 'tab', id: `${u}-tab-${key}`, 'aria-controls': `${u}-panel-${key}`,
      'aria-selected': key === 'chat' ? 'true' : 'false', tabIndex: key === 'chat' ? 0 : -1, dataset: { key },
    }, label);
    const panel = (key, ...children) => h('div.tabpanel', {
      role: 'tabpanel', id: `${u}-panel-${key}`, 'aria-labelledby': `${u}-tab-${key}`, hidden: key !== 'chat',
    }, ...children);

    this.webhookCount = h('span.count', { hidden: true });
    const tablist = h('div.tabs.tabs-wide', { role: 'tablist', 'aria-label': `${g.groupName} sections` },
      tab('chat', 'Conversation'), tab('post', 'Post'), tab('members', 'Members'),
      this.isPublic ? tab('subscribers', 'Subscribers') : null,
      h('button', {
        type: 'button', role: 'tab', id: `${u}-tab-webhook`, 'aria-controls': `${u}-panel-webhook`,
        'aria-selected': 'false', tabIndex: -1, dataset: { key: 'webhook' },
      }, 'Webhook', this.webhookCount));

    const el = h('article.card.group-card', { 'aria-labelledby': `${u}-title` },
      h('header.group-head',
        h('div.avatar.avatar-lg', { 'aria-hidden': 'true' }, initials(g.groupName)),
        h('div',
          h('h1', { id: `${u}-title`, tabIndex: -1 }, g.groupName),
          h('p.muted.group-meta',
            this.isPublic ? h('span.tag.tag-public', 'Public group') : h('span.tag', 'Group'),
            g.isMappedToTenant ? h('span.tag', 'Organisation') : null,
            g.callerRole ? h('span.tag', `You: ${g.callerRole}`) : null,
            (this.peopleCount = h('span', `${g.userCount ?? g.currentLevelUserCount ?? '?'} people`)),
            g.welcomeMessage ? h('span.welcome', `“${g.welcomeMessage}”`) : null))),
      tablist,
      panel('chat', this.chatPanel()),
      panel('post', this.postPanel()),
      panel('members', this.membersPanel()),
      this.isPublic ? panel('subscribers', this.subscribersPanel()) : null,
      panel('webhook', this.webhookPanel()));

    this.tabs = tabs(tablist, (t) => {
      const key = t.dataset.key;
      if (key === 'members' && !this.membersLoaded) this.loadMembers();
      if (key === 'subscribers' && !this.subsLoaded) this.loadSubscribers(true);
      if (key === 'webhook') {
        this.webhookCount.hidden = true;
        this.webhookCount.textContent = '';
        this.unseen = 0;
      }
      if (key === 'post' && !this.membersLoaded) this.loadMembers();
    });
    this.tablist = tablist;
    return el;
  }

  selectTab(key) {
    this.tabs.select(this.tablist.querySelector(`[data-key=${key}]`));
  }

  async load() {
    await Promise.all([this.loadFeed(), this.loadWebhooks()]);
  }

  // ------------------------------------------------------------ conversation

  chatPanel() {
    this.feed = h('ol.feed', { 'aria-label': 'Messages and actions', 'aria-live': 'polite', 'aria-busy': 'true' });
    this.feedError = h('p.form-error', { role: 'alert', hidden: true });
    const input = h('textarea', { id: `${this.uid}-msg`, name: 'message', rows: 1, maxLength: 4000, required: true, placeholder: 'Write a message' });
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter' && !e.shiftKey) {
        e.preventDefault();
        form.requestSubmit();
      }
    });
    const toAll = this.isPublic
      ? h('label.inline', h('input', { type: 'checkbox', name: 'toAll' }), ' Also send to all subscribers')
      : null;
    const err = h('p.form-error', { role: 'alert', hidden: true });
    const form = h('form.composer', {
      'aria-label': 'Send a message',
      onsubmit: (e) => {
        e.preventDefault();
        const text = input.value.trim();
        if (!text) return;
        const body = toAll && toAll.firstChild.checked ? { message: text, sendToAllSubscribers: true } : text;
        this.call(form.querySelector('button[type=submit]'), async () => {
          await this.client.sendMessage(this.id, body);
          input.value = '';
          await this.loadFeed();
          input.focus();
        }, err);
      },
    },
    h('label.sr', { for: `${this.uid}-msg` }, 'New message'),
    input,
    h('button.btn.btn-primary', { type: 'submit' }, 'Send'),
    toAll, err);
    return [
      h('div.panel-bar',
        h('h2.sr', 'Conversation'),
        h('button.btn.btn-small.btn-ghost', { type: 'button', onclick: (e) => this.call(e.currentTarget, () => this.loadFeed()) }, 'Refresh')),
      this.feedError, this.feed, form,
    ];
  }

  async loadFeed() {
    if (this.closed) return;
    this.feedError.hidden = true;
    this.feed.setAttribute('aria-busy', 'true');
    try {
      const [msgs, acts, reacts] = await Promise.all([
        this.client.listMessages(this.id, { count: 50 }),
        this.client.listActions(this.id, { count: 30 }),
        this.client.groupReactionSummary(this.id).catch((e) => {
          showError(e);
          return { summary: [] };
        }),
      ]);
      for (const s of reacts.summary || []) this.reactions.set(s.referenceId, s.reactionsCountMap || {});
      const items = [
        ...(msgs.messages || []).map((m) => ({ kind: 'message', ...m })),
        ...(acts.actions || []).map((a) => ({ kind: 'action', ...a })),
      ].sort((a, b) => (toDate(a.sentAt)?.getTime() ?? 0) - (toDate(b.sentAt)?.getTime() ?? 0));
      const nodes = items.map((it) => (it.kind === 'message' ? this.messageItem(it) : this.actionItem(it)));
      this.feed.replaceChildren(...(nodes.length ? nodes : [h('li.muted.feed-empty', 'No messages yet. Say hello below.')]));
      this.feed.scrollTop = this.feed.scrollHeight;
    } catch (e) {
      if (this.onAuthError && (await this.onAuthError(e))) return;
      showError(e, this.feedError);
    } finally {
      this.feed.removeAttribute('aria-busy');
    }
  }

  bubble(it, body, extraClass = '') {
    const mine = this.me() && it.sender === this.me().mobileNumber;
    return h(`li.item${mine ? '.mine' : ''}${extraClass}`, { dataset: { referenceId: it.referenceId } },
      h('div.avatar', { 'aria-hidden': 'true' }, initials(it.senderName || it.sender)),
      h('div.bubble',
        h('div.item-head',
          h('span.sender', it.senderName || it.sender || 'Someone'),
          h('time', { datetime: toDate(it.sentAt)?.toISOString() }, when(it.sentAt))),
        body,
        this.reactionBar(it)));
  }

  messageItem(m) {
    return this.bubble(m, h('p.text', m.text));
  }

  reactionBar(it) {
    const counts = () => this.reactions.get(it.referenceId) || {};
    const likeCount = h('span.rc');
    const commentCount = h('span.rc');
    const show = () => {
      const c = counts();
      likeCount.textContent = c.like ? String(c.like) : '';
      commentCount.textContent = c.comment ? String(c.comment) : '';
      like.classList.toggle('has', !!c.like);
      comment.classList.toggle('has', !!c.comment);
      like.setAttribute('aria-label', `Like (${c.like || 0} likes)`);
      comment.setAttribute('aria-label', `Comment (${c.comment || 0} comments)`);
    };
    const refresh = async () => {
      const r = await this.client.reactionSummary(this.id, it.referenceId);
      const s = (r.summary || []).find((x) => x.referenceId === it.referenceId) || (r.summary || [])[0];
      this.reactions.set(it.referenceId, (s && s.reactionsCountMap) || {});
      show();
    };
    const like = h('button.react', {
      type: 'button',
      onclick: (e) => this.call(e.currentTarget, async () => {
        await this.client.addReaction(this.id, { referenceId: it.referenceId, sourceGroupId: this.id, reactionType: 'Like' });
        await refresh();
      }),
    }, icon('like'), h('span', 'Like'), likeCount);
    const input = h('input', { name: 'comment', required: true, placeholder: 'Comment', 'aria-label': 'Comment' });
    const commentForm = h('form.comment', {
      hidden: true,
      onsubmit: (e) => {
        e.preventDefault();
        this.call(e.submitter, async () => {
          await this.client.addReaction(this.id, { referenceId: it.referenceId, sourceGroupId: this.id, reactionType: 'Comment', comment: input.value.trim() });
          input.value = '';
          commentForm.hidden = true;
          await refresh();
          toast('Comment added.', 'ok');
        });
      },
    }, input, h('button.btn.btn-small', { type: 'submit' }, 'Post'));
    const comment = h('button.react', {
      type: 'button',
      'aria-expanded': 'false',
      onclick: () => {
        commentForm.hidden = !commentForm.hidden;
        comment.setAttribute('aria-expanded', String(!commentForm.hidden));
        if (!commentForm.hidden) input.focus();
      },
    }, icon('comment'), h('span', 'Comment'), commentCount);
    show();
    return h('div.reactions', like, comment, commentForm);
  }

  actionItem(a) {
    const b = a.actionBody || {};
    const type = a.actionType || 'Action';
    const label = h('span.tag.tag-action', type === 'Image' ? 'Picture' : type);
    let body;
    switch (type) {
      case 'Poll': body = this.pollBody(a, b); break;
      case 'Survey': body = this.surveyBody(a, b); break;
      case 'Job': body = this.jobBody(a, b); break;
      case 'Announcement':
        body = h('div', h('h3', b.title || b.Title || 'Announcement'), h('p.text', b.message || b.Message || ''));
        break;
      case 'Image': case 'Album': case 'Video': case 'Audio': case 'Document':
        body = this.mediaBody(a, b, type);
        break;
      case 'LetsMeet':
        body = h('div', h('h3', b.title || "Let's meet"), h('p.muted', [
          b.startingTime && when(b.startingTime),
          b.duration && `${b.duration} min`,
          b.place && b.place.name,
          b.agenda,
        ].filter(Boolean).join(' · ')));
        break;
      default:
        body = h('div', h('h3', b.title || b.question || type), b.message ? h('p.text', b.message) : null);
    }
    return this.bubble(a, h('div.action', label, body), '.item-action');
  }

  mediaBody(a, b, type) {
    const url = b.mediaUrl || b.imageUrl || (b.media && b.media[0] && b.media[0].mediaUrl);
    const cap = b.caption || '';
    let media = null;
    if (url && type === 'Image') media = h('img.media', { src: url, alt: cap || 'Picture', loading: 'lazy' });
    else if (url && type === 'Video') media = h('video.media', { src: url, controls: true });
    else if (url && type === 'Audio') media = h('audio', { src: url, controls: true });
    else if (url) media = h('a', { href: url, target: '_blank', rel: 'noopener' }, 'Open the file');
    return h('div', media, cap ? h('p.text', cap) : null);
  }

  /** The drill-down of an action (`actionDetails` with `getDetails`): responses, results, counts. */
  async details(a) {
    const d = await this.client.getAction(this.id, a.actionId || a.referenceId, { getDetails: true });
    const ad = d.actionDetails || {};
    return {
      raw: d,
      responses: ad.responses || [],
      results: ad.results,
      responseCount: ad.responseCount,
      assigneeCount: ad.assigneeCount,
      assignees: ad.assignees || [],
    };
  }

  pollBody(a, b) {
    const choices = (b.choices || []).map((c) => c.title);
    const box = h('div.poll');
    const err = h('p.form-error', { role: 'alert', hidden: true });
    const actionId = a.actionId || a.referenceId;
    const draw = (det) => {
      const counts = new Map((det?.results || []).map((r) => [r.title, r.count]));
      const total = [...counts.values()].reduce((x, y) => x + y, 0);
      const mine = this.me() && det && det.responses.find((r) => r.responder === this.me().mobileNumber);
      const myAnswer = mine && (mine.answers || mine.Answers || [])[0];
      box.replaceChildren(
        h('h3', b.question || 'Poll'),
        h('ul.choices', { 'aria-label': 'Choices' }, choices.map((title) => {
          const n = counts.get(title) || 0;
          const pct = total ? Math.round((100 * n) / total) : 0;
          const picked = myAnswer === title;
          return h('li', h('button.choice', {
            type: 'button',
            'aria-pressed': picked ? 'true' : 'false',
            disabled: !!mine,
            'aria-label': `${title}: ${n} vote${n === 1 ? '' : 's'}, ${pct}%${picked ? ', your answer' : ''}`,
            style: `--pct:${pct}%`,
            onclick: (e) => this.call(e.currentTarget, async () => {
              await this.client.respondToAction(this.id, actionId, { actionType: 'Poll', actionBody: { answers: [title] } });
              toast(`You answered “${title}”.`, 'ok');
              draw(await this.details(a));
            }, err),
          }, h('span.choice-title', title, picked ? h('span.tick', { 'aria-hidden': 'true' }, ' ✓') : null),
          h('span.choice-count', { 'aria-hidden': 'true' }, `${n} · ${pct}%`)));
        })),
        h('p.muted.small.tally', det ? `${total} vote${total === 1 ? '' : 's'}${mine ? ' · you answered' : ' · pick one to answer'}` : 'Loading results…'),
        err);
    };
    draw(null);
    this.details(a).then(draw, (e) => showError(e, err));
    const closes = closing(b.expiryDate, 'Closes in', 'Closed');
    return h('div', box, closes ? h('p.muted.small.closes', closes) : null);
  }

  surveyBody(a, b) {
    const qs = b.questions || [];
    const n = b.responseCount ?? 0;
    return h('div',
      h('h3', b.title || 'Survey'),
      h('p.muted.small', [`${n} ${n === 1 ? 'person' : 'people'} responded`, closing(b.expiryDate, 'closes in', 'closed')].filter(Boolean).join(' · ')),
      h('ol.questions', qs.map((q) => h('li', q.title, h('span.muted.small', ` · ${q.type}`)))),
      this.responsesDetails(a, (r) => h('li', h('strong', r.responderName || r.responder || 'Anonymous'), ': ',
        (r.answers || r.Answers || []).map(answerText).join(' · '))));
  }

  /** A job's progress from its summary (`responseCount` of `assigneeCount` done), no drill-down needed. */
  jobBody(a, b) {
    const status = h('p.muted.small.job-progress');
    const bar = h('progress', { max: 1, value: 0, 'aria-label': 'Job progress' });
    const err = h('p.form-error', { role: 'alert', hidden: true });
    const mine = this.me() && (b.assignedTo || []).includes(this.me().mobileNumber);
    const actionId = a.actionId || a.referenceId;
    const show = (s) => {
      const done = s.responseCount ?? 0;
      const of = s.assigneeCount ?? (b.assignedTo || []).length;
      bar.max = of || 1;
      bar.value = done;
      status.textContent = `${done} of ${of} done${s.isCompleted || s.status ? ' · complete' : ''}`;
    };
    show(b);
    const due = closing(b.dueDate, 'due in', 'was due');
    return h('div',
      h('h3', b.title || 'Job'),
      h('p.muted.small', [`Assigned to ${b.assigneeCount ?? (b.assignedTo || []).length}`, due].filter(Boolean).join(' · ')),
      h('div.progress', bar, status),
      mine ? h('button.btn.btn-small', {
        type: 'button',
        onclick: (e) => this.call(e.currentTarget, async () => {
          await this.client.respondToAction(this.id, actionId, { actionType: 'Job', actionBody: { isCompleted: true } });
          toast('Marked as done.', 'ok');
          const d = await this.client.getAction(this.id, actionId);
          show(d.actionDetails || {});
        }, err),
      }, 'Mark my part done') : null,
      this.responsesDetails(a, (r) => h('li', h('strong', r.responderName || r.responder), r.isCompleted ? ': done' : ': not done')),
      err);
  }

  /** <details> that loads the action's responses when opened. */
  responsesDetails(a, row) {
    const list = h('ul.responses');
    const d = h('details.responses-box',
      h('summary', 'Responses'),
      list);
    d.addEventListener('toggle', () => {
      if (!d.open) return;
      list.replaceChildren(h('li.muted', 'Loading…'));
      this.details(a).then((det) => {
        list.replaceChildren(...(det.responses.length ? det.responses.map(row) : [h('li.muted', 'No responses yet.')]));
        d.querySelector('summary').textContent = `Responses (${det.responses.length})`;
      }, (e) => list.replaceChildren(h('li.form-error', errorText(e))));
    });
    return d;
  }

  // ------------------------------------------------------------ post

  postPanel() {
    const u = this.uid;
    const kinds = ['Poll', 'Survey', 'Job', 'Announcement', 'Image'];
    const err = h('p.form-error', { role: 'alert', hidden: true });
    const forms = {};
    const picker = h('fieldset.segmented',
      h('legend', 'What to post'),
      kinds.map((k, i) => h('label',
        h('input', { type: 'radio', name: `${u}-kind`, value: k, checked: i === 0, onchange: () => show(k) }),
        h('span', k === 'Image' ? 'Picture' : k))));
    const show = (k) => {
      for (const [key, f] of Object.entries(forms)) f.hidden = key !== k;
      err.hidden = true;
    };
    const done = async (what) => {
      toast(`${what} posted.`, 'ok');
      this.selectTab('chat');
      await this.loadFeed();
    };
    const field = (label, input) => {
      input.id ||= `${u}-f${++seq}`;
      return h('div.field', h('label', { for: input.id }, label), input);
    };

    // Poll
    const question = h('input', { name: 'question', required: true, maxLength: 500, placeholder: 'Which day suits you?' });
    const choiceList = h('div.choice-inputs');
    const addChoice = (v = '') => {
      const n = choiceList.children.length + 1;
      choiceList.append(h('input', { name: 'choice', value: v, required: n <= 2, 'aria-label': `Choice ${n}`, placeholder: `Choice ${n}` }));
    };
    addChoice(); addChoice();
    const expiry = h('input', { type: 'number', name: 'expiry', min: 1, max: 720, value: 24 });
    forms.Poll = h('form.stack', {
      'aria-label': 'Post a poll',
      onsubmit: (e) => {
        e.preventDefault();
        const choices = [...choiceList.querySelectorAll('input')].map((i) => i.value.trim()).filter(Boolean).map((title) => ({ title }));
        this.call(e.submitter, async () => {
          await this.client.postPoll(this.id, { question: question.value.trim(), choices, expiryInHours: Number(expiry.value) || undefined });
          question.value = '';
          choiceList.replaceChildren(); addChoice(); addChoice();
          await done('Poll');
        }, err);
      },
    },
    field('Question', question),
    h('div.field', h('span.label', { id: `${u}-choices` }, 'Choices'), h('div', { role: 'group', 'aria-labelledby': `${u}-choices` }, choiceList)),
    h('div.row', h('button.btn.btn-small.btn-ghost', { type: 'button', onclick: () => { addChoice(); choiceList.lastChild.focus(); } }, '+ Add a choice')),
    field('Closes after (hours)', expiry),
    h('button.btn.btn-primary', { type: 'submit' }, 'Post poll'));

    // Survey
    const sTitle = h('input', { name: 'title', required: true, placeholder: 'Field readiness check' });
    const qList = h('div.questions-edit');
    const addQuestion = () => {
      const n = qList.children.length + 1;
      const title = h('input', { required: n === 1, 'aria-label': `Question ${n}`, placeholder: `Question ${n}` });
      const type = h('select', { 'aria-label': `Question ${n} type` },
        ['Text', 'Numeric', 'SingleOption', 'MultiOption'].map((t) => h('option', { value: t }, { SingleOption: 'One choice', MultiOption: 'Several choices' }[t] || t)));
      const opts = h('input', { hidden: true, 'aria-label': `Question ${n} options, comma-separated`, placeholder: 'Options, comma-separated' });
      type.addEventListener('change', () => { opts.hidden = !type.value.endsWith('Option'); opts.required = !opts.hidden; });
      qList.append(h('div.q-row', title, type, opts));
    };
    addQuestion();
    forms.Survey = h('form.stack', {
      'aria-label': 'Post a survey', hidden: true,
      onsubmit: (e) => {
        e.preventDefault();
        const questions = [...qList.children].map((row) => {
          const [t, ty, o] = row.querySelectorAll('input, select');
          const q = { title: t.value.trim(), type: ty.value };
          if (ty.value.endsWith('Option')) q.options = o.value.split(',').map((s) => s.trim()).filter(Boolean).map((title) => ({ title }));
          return q;
        }).filter((q) => q.title);
        this.call(e.submitter, async () => {
          await this.client.postSurvey(this.id, { title: sTitle.value.trim(), questions });
          sTitle.value = '';
          qList.replaceChildren(); addQuestion();
          await done('Survey');
        }, err);
      },
    },
    field('Title', sTitle),
    h('div.field', h('span.label', 'Questions'), qList),
    h('div.row', h('button.btn.btn-small.btn-ghost', { type: 'button', onclick: () => { addQuestion(); qList.lastChild.firstChild.focus(); } }, '+ Add a question')),
    h('button.btn.btn-primary', { type: 'submit' }, 'Post survey'));

    // Job
    const jTitle = h('input', { name: 'title', required: true, placeholder: 'Count blankets at the depot' });
    this.assigneeBox = h('div.checks', h('p.muted.small', 'Loading members…'));
    const due = h('input', { type: 'number', min: 1, value: 24, name: 'due' });
    forms.Job = h('form.stack', {
      'aria-label': 'Post a job', hidden: true,
      onsubmit: (e) => {
        e.preventDefault();
        const assignedTo = [...this.assigneeBox.querySelectorAll('input:checked')].map((i) => i.value);
        this.call(e.submitter, async () => {
          if (!assignedTo.length) throw new Error('Pick at least one person to assign the job to.');
          await this.client.postJob(this.id, { title: jTitle.value.trim(), assignedTo, dueDate: Number(due.value) || undefined });
          jTitle.value = '';
          await done('Job');
        }, err);
      },
    },
    field('Title', jTitle),
    h('fieldset.field', h('legend', 'Assign to'), this.assigneeBox),
    field('Due in (hours)', due),
    h('button.btn.btn-primary', { type: 'submit' }, 'Post job'));

    // Announcement
    const aTitle = h('input', { name: 'title', required: true, placeholder: 'Depot closed on Friday' });
    const aText = h('textarea', { name: 'message', required: true, rows: 3 });
    const aFile = h('input', { type: 'file', accept: 'image/*' });
    forms.Announcement = h('form.stack', {
      'aria-label': 'Post an announcement', hidden: true,
      onsubmit: (e) => {
        e.preventDefault();
        this.call(e.submitter, async () => {
          const body = { title: aTitle.value.trim(), message: aText.value.trim() };
          const f = aFile.files[0];
          if (f) body.mediaResources = [(await this.upload(f)).mediaResource];
          await this.client.postAnnouncement(this.id, body);
          aTitle.value = ''; aText.value = ''; aFile.value = '';
          await done('Announcement');
        }, err);
      },
    },
    field('Title', aTitle), field('Message', aText), field('Picture (optional)', aFile),
    h('button.btn.btn-primary', { type: 'submit' }, 'Post announcement'));

    // Image
    const file = h('input', { type: 'file', accept: 'image/*', required: true, name: 'file' });
    const caption = h('input', { name: 'caption', placeholder: 'North depot, this morning' });
    const preview = h('img.preview', { alt: '', hidden: true });
    file.addEventListener('change', () => {
      const f = file.files[0];
      preview.hidden = !f;
      if (f) preview.src = URL.createObjectURL(f);
    });
    forms.Image = h('form.stack', {
      'aria-label': 'Post a picture', hidden: true,
      onsubmit: (e) => {
        e.preventDefault();
        this.call(e.submitter, async () => {
          const f = file.files[0];
          const { mediaResource } = await this.upload(f);
          await this.client.postMedia(this.id, { actionType: 'Image', mediaResource, caption: caption.value.trim() || undefined, mimeType: f.type || undefined });
          file.value = ''; caption.value = ''; preview.hidden = true;
          await done('Picture');
        }, err);
      },
    },
    field('Picture file', file), preview, field('Caption', caption),
    h('button.btn.btn-primary', { type: 'submit' }, 'Upload and post'));

    return [h('h2.sr', 'Post'), picker, err, ...Object.values(forms)];
  }

  upload(f) {
    return this.client.uploadMedia(f, { fileName: f.name, mimeType: f.type || undefined });
  }

  // ------------------------------------------------------------ members

  membersPanel() {
    this.memberList = h('ul.people.people-long', { 'aria-label': 'Members' });
    this.memberErr = h('p.form-error', { role: 'alert', hidden: true });
    this.memberCount = h('span.muted.small', { 'aria-live': 'polite' });
    const input = h('input', { id: `${this.uid}-add`, required: true, list: `${this.uid}-people`, placeholder: '+911000000020', inputmode: 'tel' });
    const dl = h('datalist', { id: `${this.uid}-people` },
      (this.seed.users || []).map((u) => h('option', { value: u.mobileNumber }, u.name)));
    const form = h('form.row.add-form', {
      'aria-label': 'Add members',
      onsubmit: (e) => {
        e.preventDefault();
        const list = phones(input.value);
        this.call(e.submitter, async () => {
          await this.client.addMembers(this.id, list);
          input.value = '';
          toast(`Added ${list.join(', ')}.`, 'ok');
          await this.loadMembers();
        }, this.memberErr);
      },
    }, h('label.sr', { for: input.id }, 'Numbers to add (comma-separated)'), input, dl, h('button.btn', { type: 'submit' }, 'Add'));
    return [
      h('h2.sr', 'Members'),
      h('div.people-bar', form, this.exportButton('members', this.memberErr)),
      this.memberErr,
      this.importSection(),
      h('div.list-head', h('h3', 'People'), this.memberCount),
      this.memberList,
    ];
  }

  /** "Export CSV": the whole list from the client, saved as {group}-{kind}.csv. */
  exportButton(kind, errEl) {
    return h('button.btn.btn-small', {
      type: 'button',
      'aria-label': `Export ${kind} as CSV`,
      onclick: (e) => this.call(e.currentTarget, async () => {
        const csv = kind === 'members' ? await this.client.exportMembers(this.id) : await this.client.exportSubscribers(this.id);
        const rows = Math.max(0, csv.split(/\r?\n/).filter((l) => l.trim()).length - 1);
        download(csv, `${fileSafe(this.g.groupName)}-${kind}.csv`);
        toast(`Exported ${num(rows)} ${kind} to ${fileSafe(this.g.groupName)}-${kind}.csv.`, 'ok');
      }, errEl),
    }, icon('download'), 'Export CSV');
  }

  // ------------------------------------------------------------ member import (CSV)

  importSection() {
    const u = this.uid;
    const role = this.g.callerRole;
    if (role && !/admin/i.test(role)) {
      return h('p.muted.small.import-note', 'Only the group\'s admins can import members from a CSV file.');
    }
    const file = h('input', { id: `${u}-csv`, type: 'file', accept: '.csv,text/csv', name: 'csv' });
    const chosen = h('span.muted.small.wrap', 'No file chosen yet.');
    const batch = h('select', { id: `${u}-batch`, name: 'batchSize' },
      [25, 50, 100, 250, 1000].map((n) => h('option', { value: n, selected: n === 50 }, `${n} numbers`)));
    const err = h('p.form-error', { role: 'alert', hidden: true });
    const bar = h('progress', { max: 1, value: 0, 'aria-label': 'Import progress' });
    const barText = h('span.import-count');
    const barLabel = h('p.small.import-label');
    const progress = h('div.import-progress', { hidden: true, 'aria-live': 'polite' }, barLabel, h('div.progress', bar, barText));
    const summary = h('section.import-summary', { hidden: true, 'aria-label': 'Import summary', tabIndex: -1 });
    const stop = h('button.btn.btn-small.btn-ghost', { type: 'button', hidden: true, onclick: () => this.importAbort && this.importAbort.abort() }, 'Stop');
    const go = h('button.btn.btn-primary', { type: 'submit' }, 'Import');

    const pick = () => {
      const f = file.files[0];
      chosen.textContent = f ? `${f.name} · ${size(f.size)}` : 'No file chosen yet.';
      err.hidden = true;
    };
    file.addEventListener('change', pick);
    const zone = h('div.dropzone', {
      ondragover: (e) => { e.preventDefault(); zone.classList.add('over'); },
      ondragleave: () => zone.classList.remove('over'),
      ondrop: (e) => {
        e.preventDefault();
        zone.classList.remove('over');
        if (e.dataTransfer && e.dataTransfer.files.length) {
          file.files = e.dataTransfer.files;
          pick();
        }
      },
    },
    h('span.dropzone-title', icon('upload'), 'Drop a .csv file here, or choose one'),
    h('label.sr', { for: file.id }, 'CSV file of members'),
    file, chosen);

    const form = h('form.stack.import-form', {
      'aria-label': 'Import members from a CSV file',
      onsubmit: (e) => {
        e.preventDefault();
        const f = file.files[0];
        this.call(go, async () => {
          if (!f) throw new Error('Choose a .csv file first (or drop one on the box).');
          if (!/\.csv$/i.test(f.name) && !/csv|text\/plain/.test(f.type)) throw new Error(`${f.name} is not a .csv file.`);
          const abort = new AbortController();
          this.importAbort = abort;
          summary.hidden = true;
          progress.hidden = false;
          bar.removeAttribute('value'); // indeterminate while the file is read
          barText.textContent = '';
          barLabel.textContent = `Importing ${f.name}…`;
          stop.hidden = false;
          file.disabled = true;
          batch.disabled = true;
          const t0 = performance.now();
          try {
            const record = await this.client.importMembers(this.id, f, {
              batchSize: Number(batch.value),
              signal: abort.signal,
              onProgress: ({ done, total, failed }) => {
                bar.max = Math.max(total, 1);
                bar.value = done;
                barText.textContent = `${num(done)} of ${num(total)} rows · ${num(failed)} failed`;
              },
            });
            barLabel.textContent = `Imported ${record.fileName} in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
            this.showImport(summary, record);
            toast(`${STATUS[record.status]?.text || record.status}: ${num(record.added)} added.`, record.status === 'Failed' ? 'error' : 'ok');
            await this.loadMembers();
          } catch (e) {
            // Batches sent before a stop or a failure stay in the group: the list shows them.
            if (e && e.code === 'aborted') {
              barLabel.textContent = `Stopped at ${barText.textContent || 'the start'}; the numbers sent before stay in the group.`;
              this.loadMembers();
              return;
            }
            progress.hidden = true;
            this.loadMembers();
            throw e;
          } finally {
            this.importAbort = null;
            stop.hidden = true;
            file.disabled = false;
            batch.disabled = false;
          }
        }, err);
      },
    },
    zone,
    h('div.import-row',
      h('div.field', h('label', { for: batch.id }, 'Numbers per call'), batch),
      h('div.row', go, stop)),
    h('p.hint', 'The first row names the columns: one of them mobileNumber (or mobile, phone); name and any others are optional. Numbers need their country code (+91…). Rows that fail go to an error log; numbers already in the group are skipped. ',
      h('a', { href: (this.sampleUrl ||= textUrl(SAMPLE_CSV)), download: 'sample-members.csv' }, 'Download a sample CSV')),
    err, progress, summary);

    return h('details.import-box', { open: true },
      h('summary', h('h3', 'Import members from a CSV file')),
      form);
  }

  /** The upload record: status, counts, the first errors and the error log to download. */
  showImport(box, r) {
    if (this.errorLogUrl) URL.revokeObjectURL(this.errorLogUrl);
    this.errorLogUrl = null;
    const st = STATUS[r.status] || { text: r.status, pill: 'pill-off' };
    const stat = (label, value, cls = '') => h(`div.stat${cls}`, h('dt', label), h('dd', num(value)));
    const errors = r.errors || [];
    let log = null;
    if (errors.length) {
      this.errorLogUrl = textUrl(r.errorLogCsv || '');
      const base = String(r.fileName || 'members.csv').replace(/\.csv$/i, '');
      log = h('div.import-errors',
        h('table.errors',
          h('caption.sr', 'Rows that failed'),
          h('thead', h('tr', h('th', { scope: 'col' }, 'Row'), h('th', { scope: 'col' }, 'Number'), h('th', { scope: 'col' }, 'Why'))),
          h('tbody', errors.slice(0, 5).map((x) => h('tr',
            h('td.num', String(x.row)), h('td.mono.wrap', x.mobileNumber || '—'), h('td', x.reason))))),
        h('div.row.wrap-row',
          h('a.btn.btn-small', { href: this.errorLogUrl, download: `${fileSafe(base)}-errors.csv` }, icon('download'), 'Download error log'),
          errors.length > 5 ? h('span.muted.small', `and ${num(errors.length - 5)} more row${errors.length - 5 === 1 ? '' : 's'} in the log`) : null));
    }
    box.replaceChildren(
      h('div.summary-head',
        h(`span.pill.${st.pill}`, st.text),
        h('span.muted.small.wrap', `${r.fileName} · ${num(r.total)} row${r.total === 1 ? '' : 's'}`)),
      h('dl.stats',
        stat('Added', r.added, '.stat-ok'),
        stat('Already members', r.alreadyMembers),
        stat('Duplicates', r.duplicates),
        stat('Failed', r.failed, r.failed ? '.stat-bad' : '')),
      log);
    box.hidden = false;
  }

  /** The group's head count (the whole hierarchy), after members changed. */
  setPeople(n) {
    this.peopleCount.textContent = `${n} people`;
  }

  async loadMembers() {
    // A reload follows a change (add, remove, import): the counts elsewhere follow it too.
    if (this.membersLoaded) this.onMembersChanged?.();
    this.membersLoaded = true;
    this.memberList.replaceChildren(h('li.muted', 'Loading…'));
    await this.call(null, async () => {
      const { members = [] } = await this.client.listMembers(this.id);
      const name = (m) => m.name || (this.seed.users || []).find((u) => u.mobileNumber === m.mobileNumber)?.name || m.mobileNumber;
      members.sort((a, b) => (a.role === b.role ? name(a).localeCompare(name(b)) : a.role === 'Admin' ? -1 : 1));
      this.memberCount.textContent = `${num(members.length)} member${members.length === 1 ? '' : 's'}`;
      this.memberList.replaceChildren(...members.map((m) => h('li.person',
        h('div.avatar', { 'aria-hidden': 'true' }, initials(name(m))),
        h('div.person-main', h('span.person-name', name(m)), h('span.muted.small.mono', m.mobileNumber)),
        m.role === 'Admin' ? h('span.tag', 'Admin') : null,
        h('button.btn.btn-small.btn-danger', {
          type: 'button',
          'aria-label': `Remove ${name(m)}`,
          onclick: (e) => this.call(e.currentTarget, async () => {
            await this.client.removeMember(this.id, m.id || m.mobileNumber);
            toast(`Removed ${name(m)}.`, 'ok');
            await this.loadMembers();
          }, this.memberErr),
        }, 'Remove'))));
      this.assigneeBox.replaceChildren(...members.map((m) => h('label.check',
        h('input', { type: 'checkbox', value: m.mobileNumber }), ` ${name(m)}`)));
    }, this.memberErr);
  }

  // ------------------------------------------------------------ subscribers

  subscribersPanel() {
    this.subList = h('ul.people.people-compact', { 'aria-label': 'Subscribers' });
    this.subErr = h('p.form-error', { role: 'alert', hidden: true });
    this.subStatus = h('p.muted.small', { 'aria-live': 'polite' });
    this.subMore = h('button.btn', { type: 'button', hidden: true, onclick: (e) => this.call(e.currentTarget, () => this.loadSubscribers(false), this.subErr) }, 'Show more');
    return [
      h('h2.sr', 'Subscribers'),
      h('div.people-bar', this.subStatus, this.exportButton('subscribers', this.subErr)),
      this.subErr, this.subList, h('div.row.center', this.subMore),
    ];
  }

  async loadSubscribers(first) {
    this.subsLoaded = true;
    if (first) {
      this.subCursor = undefined;
      this.subCount = 0;
      this.subList.replaceChildren();
    }
    await this.call(null, async () => {
      const page = await this.client.listSubscribers(this.id, { cursor: this.subCursor, count: 20 });
      const subs = page.subscribers || [];
      this.subList.append(...subs.map((s) => h('li.person',
        h('div.avatar.avatar-sm', { 'aria-hidden': 'true' }, initials(s.name || '#')),
        h('div.person-main', h('span.person-name', s.name || s.mobileNumber), h('span.muted.small.mono', s.mobileNumber)))));
      this.subCount += subs.length;
      this.subCursor = this.client.nextCursor('listSubscribers', page);
      this.subMore.hidden = !this.subCursor;
      this.subStatus.textContent = `${this.subCount} subscriber${this.subCount === 1 ? '' : 's'} shown${this.subCursor ? ', more to load' : ', that is all'}.`;
    }, this.subErr);
  }

  // ------------------------------------------------------------ webhooks

  webhookPanel() {
    const u = this.uid;
    const short = this.id.slice(0, 8);
    const name = h('input', { id: `${u}-hook-name`, required: true, pattern: '[A-Za-z0-9_.\\-]+', value: `demo-${short}` });
    const preview = h('code.wrap', emu.inboxUrl(name.value));
    name.addEventListener('input', () => { preview.textContent = emu.inboxUrl(name.value); });
    const types = h('div.checks.checks-cols', EVENT_TYPES.map((t) => h('label.check',
      h('input', { type: 'checkbox', value: t, checked: !/^Group|^Member|^Poll|^LetsMeet/.test(t) }), ` ${t}`)));
    this.hookErr = h('p.form-error', { role: 'alert', hidden: true });
    const form = h('form.stack', {
      'aria-label': 'Register a webhook',
      onsubmit: (e) => {
        e.preventDefault();
        const eventTypes = [...types.querySelectorAll('input:checked')].map((i) => i.value);
        this.call(e.submitter, async () => {
          if (!eventTypes.length) throw new Error('Pick at least one event type.');
          await this.client.createWebhook({
            objectId: this.id, objectType: 'Group', eventTypes,
            callBackUrl: emu.inboxUrl(name.value.trim()),
            callBackToken: `demo-${Math.random().toString(36).slice(2, 10)}`,
            callBackContext: 'kaizala demo page',
          });
          toast('Webhook registered. Its events appear below as they arrive.', 'ok');
          await this.loadWebhooks();
        }, this.hookErr);
      },
    },
    h('div.field', h('label', { for: name.id }, 'Inbox name'), name, h('p.hint', 'Callback URL: ', preview)),
    h('fieldset.field', h('legend', 'Events'), types),
    h('button.btn.btn-primary', { type: 'submit' }, 'Register webhook'));

    this.hookList = h('ul.hooks', { 'aria-label': 'Webhooks of this group' });
    this.events = h('ol.events', { 'aria-label': 'Events received', 'aria-live': 'polite' },
      h('li.muted.events-empty', 'No events yet. Register a webhook, then send a message or post something.'));
    return [
      h('div.split',
        h('section', h('h2', 'Register'), form, this.hookErr),
        h('section', h('h2', 'Registered'), this.hookList)),
      h('section.live', h('h2', h('span.live-dot', { 'aria-hidden': 'true' }), 'Live events'), this.events),
    ];
  }

  async loadWebhooks() {
    if (this.closed) return;
    try {
      const { webhooks = [] } = await this.client.listWebhooks({ objectId: this.id, objectType: 'Group' });
      const prefix = `${location.origin}/_emulator/inbox/`;
      const mine = webhooks.filter((w) => (w.objectId ?? this.id) === this.id);
      this.hookList.replaceChildren(...(mine.length ? mine.map((w) => {
        const url = w.callbackUrl || w.callBackUrl || '';
        if (url.startsWith(prefix)) this.watch(decodeURIComponent(url.slice(prefix.length)));
        const active = (w.active ?? w.Active) !== false;
        return h('li.hook',
          h('div.hook-main',
            h('code.wrap', url),
            h('span.muted.small', `${(w.events || w.eventTypes || []).length} event types · `, active ? 'active' : h('strong', 'disabled'))),
          h('button.btn.btn-small.btn-danger', {
            type: 'button',
            'aria-label': `Delete the webhook to ${url}`,
            onclick: (e) => this.call(e.currentTarget, async () => {
              await this.client.deleteWebhook(w.id || w.webhookId);
              toast('Webhook deleted.', 'ok');
              await this.loadWebhooks();
            }, this.hookErr),
          }, 'Delete'));
      }) : [h('li.muted', 'None yet.')]));
    } catch (e) {
      if (this.onAuthError && (await this.onAuthError(e))) return;
      showError(e, this.hookErr);
    }
  }

  /** Polls an inbox every second; new events go on top of the live list. */
  watch(name) {
    if (this.inboxes.has(name)) return;
    this.inboxes.add(name);
    let running = false;
    const poll = async () => {
      if (running || this.closed) return;
      running = true;
      try {
        const events = await emu.inbox(name);
        const fresh = events.filter((ev) => !this.seenEvents.has(eventKey(name, ev))).reverse();
        for (const ev of fresh) {
          this.seenEvents.add(eventKey(name, ev));
          this.showEvent(name, ev);
        }
      } catch (e) {
        console.warn(`inbox ${name}: ${errorText(e)}`);
      } finally {
        running = false;
      }
    };
    poll();
    this.timers.push(setInterval(poll, 1000));
  }

  showEvent(name, ev) {
    const body = ev.body || {};
    const empty = this.events.querySelector('.events-empty');
    if (empty) empty.remove();
    const token = ev.headers && (ev.headers['kz-callback-token'] || ev.headers['Kz-Callback-Token']);
    this.events.prepend(h('li.event', { dataset: { eventType: body.eventType || '' } },
      h('div.event-head',
        h('span.tag.tag-event', body.eventType || 'event'),
        h('span.event-summary', eventSummary(body)),
        h('time.muted.small', when(ev.receivedAt))),
      h('p.muted.small', `from ${body.fromUserName || body.fromUser || 'the platform'} · inbox ${name}${token ? ' · callback token ✓' : ''}`),
      h('details', h('summary', 'Event body'), h('pre', JSON.stringify(body, null, 2)))));
    while (this.events.children.length > 50) this.events.lastElementChild.remove();
    if (this.tablist.querySelector('[data-key=webhook]').getAttribute('aria-selected') !== 'true') {
      this.unseen = (this.unseen || 0) + 1;
      this.webhookCount.replaceChildren(String(this.unseen), h('span.sr', ' new'));
      this.webhookCount.hidden = false;
    }
  }
}

const STATUS = {
  Completed: { text: 'Completed', pill: 'pill-ok' },
  CompletedWithErrors: { text: 'Completed with errors', pill: 'pill-warn' },
  Failed: { text: 'Failed', pill: 'pill-bad' },
};

/** What a visitor can try: new people, one already in the seeded groups, a repeat and a number without its country code. */
const SAMPLE_CSV = [
  'mobileNumber,name,team',
  '+919800000101,Aarav Mehta,North',
  '+919800000102,Ishita Sen,North',
  '+919800000103,Kabir Das,North',
  '+919800000104,Meera Iyer,South',
  '+919800000105,Rohan Gupta,South',
  '+919800000106,Sana Qureshi,South',
  '+919800000107,Tara Joshi,Logistics',
  '+919800000108,Vikram Singh,Logistics',
  '+911000000010,Deepa Nair,North',
  '+919800000103,Kabir Das,North',
  '9800000109,Zoya Ali,South',
].join('\r\n') + '\r\n';

/** "closes in 29 d" / "closed Dec 20, 18:33" for a deadline given as ISO 8601 (null without one). */
function closing(iso, ahead, past) {
  const d = toDate(iso);
  if (!d) return null;
  const left = d.getTime() - Date.now();
  if (left <= 0) return `${past} ${when(iso)}`;
  const min = Math.round(left / 60000);
  const span = min < 60 ? `${min} min` : min < 48 * 60 ? `${Math.round(min / 60)} h` : `${Math.round(min / 1440)} d`;
  return `${ahead} ${span}`;
}

function size(bytes) {
  return bytes < 1024 ? `${bytes} B` : bytes < 1048576 ? `${(bytes / 1024).toFixed(1)} KB` : `${(bytes / 1048576).toFixed(1)} MB`;
}

function eventKey(name, ev) {
  return `${name}|${(ev.body && ev.body.eventId) || ''}|${ev.receivedAt}`;
}

function eventSummary(b) {
  const d = b.data || {};
  if (d.text) return `“${d.text}”`;
  if (d.title) return d.title;
  if (d.caption) return d.caption;
  if (d.memberName || d.member) return d.memberName || d.member;
  if (d.groupName) return d.groupName;
  if (d.responderName) return `response from ${d.responderName}`;
  const r = d.responseDetails && d.responseDetails.response;
  if (r) return `${r.assigneeName || r.assignee}: ${r.isCompleted ? 'done' : 'not done'}`;
  return d.actionId ? `action ${d.actionId.slice(0, 8)}` : '';
}

function answerText(a) {
  if (Array.isArray(a)) return a.join(', ');
  if (a && typeof a === 'object') return a.n || [a.lt, a.lg].join(', ');
  return a === '' || a === undefined || a === null ? '—' : String(a);
}
