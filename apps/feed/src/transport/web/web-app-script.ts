/**
 * The web page's script: plain browser JavaScript, no build step, no third-party code. It talks
 * only to its own origin with root-relative URLs (/accounts, /balance, /transactions, /cards and
 * the SSE stream), so it works on the feed's port and behind the bank's one public port alike.
 * EventSource cannot send an Authorization header, so the stream is read with fetch and parsed
 * here. Written without backticks or dollar-braces so it can live in this template literal.
 */
export const WEB_APP_SCRIPT = String.raw`
'use strict';
(function () {
  var RECONNECT_DELAY_MS_MAX = 10000;
  var ITEMS_SHOWN_MAX = 100;
  var state = { token: '', accountId: '', card: null, lastEventId: '', currency: 'GBP' };
  var byId = function (id) { return document.getElementById(id); };

  function showError(message) {
    var box = byId('error');
    box.textContent = message;
    box.hidden = message === '';
  }

  function api(method, path) {
    return fetch(path, {
      method: method,
      headers: { authorization: 'Bearer ' + state.token },
      cache: 'no-store',
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) {
          throw new Error(response.status + ' ' + (body.message || body.code || 'refused'));
        }
        return body;
      });
    });
  }

  function money(minor, currency) {
    var format = new Intl.NumberFormat('en-GB', { style: 'currency', currency: currency || 'GBP' });
    var digits = format.resolvedOptions().maximumFractionDigits;
    return format.format(minor / Math.pow(10, digits));
  }

  function snowflakeOf(id) {
    var digits = String(id).replace(/^[a-z]+_/, '');
    return /^[0-9]+$/.test(digits) ? BigInt(digits) : 0n;
  }

  function refreshBalance() {
    return api('GET', '/balance?account_id=' + encodeURIComponent(state.accountId)).then(
      function (body) {
        state.currency = body.currency;
        byId('balance').textContent = money(body.balance, body.currency);
        byId('spend-today').textContent = money(-body.spend_today, body.currency);
      },
    );
  }

  function renderCard() {
    var card = state.card;
    var button = byId('freeze-button');
    if (card === null) {
      byId('card-status').textContent = 'no card';
      button.hidden = true;
      return;
    }
    byId('card-label').textContent = 'Card ending ' + card.last_four;
    byId('card-status').textContent = card.status;
    byId('card').dataset.status = card.status;
    button.hidden = card.status !== 'active' && card.status !== 'frozen';
    button.textContent = card.status === 'frozen' ? 'Unfreeze card' : 'Freeze card';
    button.disabled = false;
  }

  function refreshCard() {
    return api('GET', '/cards?account_id=' + encodeURIComponent(state.accountId)).then(
      function (body) {
        state.card = body.cards.length > 0 ? body.cards[0] : null;
        renderCard();
      },
    );
  }

  function toggleFreeze() {
    var card = state.card;
    if (card === null) {
      return;
    }
    var action = card.status === 'frozen' ? 'unfreeze' : 'freeze';
    byId('freeze-button').disabled = true;
    api('POST', '/cards/' + encodeURIComponent(card.id) + '/' + action)
      .then(function (body) {
        state.card = body.card;
        showError('');
      })
      .catch(function (error) {
        showError('Could not ' + action + ' the card: ' + error.message);
      })
      .then(renderCard);
  }

  function describe(item) {
    if (item.type === 'basic') {
      return { id: item.item.id, title: item.item.params.title, detail: item.item.params.body || '' };
    }
    var tx = item.transaction;
    var merchant = tx.merchant && typeof tx.merchant === 'object' ? tx.merchant : null;
    var name = merchant && merchant.name ? merchant.name : tx.description;
    var detail = tx.decline_reason
      ? 'Declined: ' + tx.decline_reason.replace(/_/g, ' ').toLowerCase()
      : tx.settled
        ? 'Settled'
        : 'Pending';
    return {
      id: tx.id,
      title: (merchant && merchant.emoji ? merchant.emoji + ' ' : '') + name,
      detail: detail,
      amount: money(tx.amount, tx.currency),
      declined: Boolean(tx.decline_reason),
    };
  }

  /** Inserts the item newest first, or replaces it in place when it changed. */
  function upsert(item) {
    var view = describe(item);
    var list = byId('feed');
    var row = list.querySelector('li[data-id="' + view.id + '"]');
    if (row === null) {
      row = document.createElement('li');
      row.dataset.id = view.id;
      var key = snowflakeOf(view.id);
      var after = null;
      for (var child = list.firstElementChild; child !== null; child = child.nextElementSibling) {
        if (snowflakeOf(child.dataset.id) < key) {
          after = child;
          break;
        }
      }
      list.insertBefore(row, after);
      while (list.children.length > ITEMS_SHOWN_MAX) {
        list.removeChild(list.lastElementChild);
      }
    }
    row.replaceChildren();
    row.className = view.declined ? 'declined' : '';
    var title = document.createElement('span');
    title.className = 'title';
    title.textContent = view.title;
    var detail = document.createElement('span');
    detail.className = 'detail';
    detail.textContent = view.detail;
    var amount = document.createElement('span');
    amount.className = 'amount';
    amount.textContent = view.amount || '';
    row.append(title, amount, detail);
  }

  function loadTransactions() {
    return api(
      'GET',
      '/transactions?expand[]=merchant&limit=50&account_id=' + encodeURIComponent(state.accountId),
    ).then(function (body) {
      body.transactions.forEach(function (tx) {
        upsert({ type: 'transaction', transaction: tx });
      });
    });
  }

  /** Parses SSE frames from a fetch body; resolves when the server ends the stream. */
  function readStream(response) {
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buffer = '';
    function pump() {
      return reader.read().then(function (chunk) {
        if (chunk.done) {
          return undefined;
        }
        buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n?/g, '\n');
        var boundary = buffer.indexOf('\n\n');
        while (boundary >= 0) {
          handleFrame(buffer.slice(0, boundary));
          buffer = buffer.slice(boundary + 2);
          boundary = buffer.indexOf('\n\n');
        }
        return pump();
      });
    }
    return pump();
  }

  function handleFrame(frame) {
    var id = '';
    var event = 'message';
    var data = [];
    frame.split('\n').forEach(function (line) {
      if (line.startsWith(':')) {
        return;
      }
      var colon = line.indexOf(':');
      var field = colon < 0 ? line : line.slice(0, colon);
      var value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') id = value;
      else if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
    });
    if (event !== 'feed_item' || data.length === 0) {
      return;
    }
    if (id !== '') {
      state.lastEventId = id;
    }
    upsert(JSON.parse(data.join('\n')));
    refreshBalance().catch(function (error) {
      showError('Balance unavailable: ' + error.message);
    });
  }

  /** Follows the live feed; reconnects with Last-Event-ID after a bounded, growing delay. */
  function follow(delayMs) {
    var headers = { authorization: 'Bearer ' + state.token, accept: 'text/event-stream' };
    if (state.lastEventId !== '') {
      headers['last-event-id'] = state.lastEventId;
    }
    byId('live').textContent = 'connecting';
    fetch('/accounts/' + encodeURIComponent(state.accountId) + '/feed/stream', {
      headers: headers,
      cache: 'no-store',
    })
      .then(function (response) {
        if (!response.ok) {
          throw new Error('stream refused: ' + response.status);
        }
        byId('live').textContent = 'live';
        delayMs = 500;
        return readStream(response);
      })
      .catch(function (error) {
        showError(error.message);
      })
      .then(function () {
        byId('live').textContent = 'reconnecting';
        setTimeout(function () {
          follow(Math.min(delayMs * 2, RECONNECT_DELAY_MS_MAX));
        }, delayMs);
      });
  }

  function start(token) {
    state.token = token;
    sessionStorage.setItem('corebank.token', token);
    // The token leaves the address bar (and so screenshots and history) once it is kept.
    history.replaceState(null, '', location.pathname);
    byId('sign-in').hidden = true;
    api('GET', '/accounts')
      .then(function (body) {
        if (body.accounts.length === 0) {
          throw new Error('this token names no account');
        }
        state.accountId = body.accounts[0].id;
        byId('account').textContent = body.accounts[0].description;
        byId('main').hidden = false;
        return Promise.all([refreshBalance(), refreshCard(), loadTransactions()]);
      })
      .then(function () {
        follow(500);
        document.body.dataset.ready = 'true';
      })
      .catch(function (error) {
        showError('Could not load the account: ' + error.message);
        byId('sign-in').hidden = false;
      });
  }

  byId('freeze-button').addEventListener('click', toggleFreeze);
  byId('sign-in').addEventListener('submit', function (event) {
    event.preventDefault();
    start(byId('token').value.trim());
  });
  var fragment = new URLSearchParams(location.hash.slice(1)).get('token');
  var kept = sessionStorage.getItem('corebank.token');
  if (fragment) {
    start(fragment);
  } else if (kept) {
    start(kept);
  }
})();
`;
