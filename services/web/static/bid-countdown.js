// The firm's bid page: the countdown to the deadline, then the bid buttons are disabled
// and the page reloads.
(function () {
  var el = document.getElementById('countdown');
  if (!el) return;
  var left = document.getElementById('countdown-left');
  var end = Number(el.dataset.deadline);
  var skew = Date.now() - Number(el.dataset.now);
  function fmt(ms) {
    var s = Math.ceil(Math.max(ms, 0) / 1000), d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600),
        m = Math.floor(s % 3600 / 60), x = s % 60;
    return d > 0 ? d + ' 天 ' + h + ' 小时' : h > 0 ? h + ' 小时 ' + m + ' 分' : m > 0 ? m + ' 分 ' + x + ' 秒' : x + ' 秒';
  }
  function tick() {
    var ms = end - (Date.now() - skew);
    if (ms <= 0) {
      el.className = 'closed';
      el.textContent = '投标已截止';
      document.querySelectorAll('form.bid button, #withdraw-form button').forEach(function (b) { b.disabled = true; });
      setTimeout(function () { location.reload(); }, 1500);
      return;
    }
    left.textContent = fmt(ms);
    setTimeout(tick, (ms % 1000) || 1000);
  }
  tick();
})();
