// Shows the status page's times in the reader's own time zone. The server
// writes every time in UTC inside <time datetime="..." data-local>; where
// JavaScript runs, this rewrites them in the zone the browser reports and
// says so in the footer. Without it the page stays in UTC and says that.
(function () {
  'use strict';
  var zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch (e) {
    return;
  }
  if (!zone) {
    return;
  }
  var fmt = new Intl.DateTimeFormat('en-GB', {
    year: 'numeric', month: '2-digit', day: '2-digit',
    hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short'
  });
  function show(d) {
    var p = {};
    fmt.formatToParts(d).forEach(function (part) { p[part.type] = part.value; });
    return p.year + '-' + p.month + '-' + p.day + ' ' + p.hour + ':' + p.minute + ' ' + p.timeZoneName;
  }
  document.querySelectorAll('time[datetime][data-local]').forEach(function (el) {
    var d = new Date(el.getAttribute('datetime'));
    if (!isNaN(d.getTime())) {
      el.textContent = show(d);
    }
  });
  var note = document.getElementById('tz-note');
  if (note) {
    note.textContent = 'Times are in your time zone (' + zone + ').';
  }
})();
