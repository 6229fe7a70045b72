// The console's little script: the overview refreshes itself over Server-Sent Events, and the rest
// of the console is plain pages and forms. Everything works without it, only not live.
(() => {
  const live = document.querySelector('[data-live]');
  if (live && 'EventSource' in window) {
    const mark = document.querySelector('[data-testid="live"]');
    let busy = false;
    const refresh = async () => {
      if (busy) return;
      busy = true;
      try {
        const res = await fetch(live.getAttribute('data-live'), { headers: { accept: 'text/html' } });
        if (res.ok) {
          live.innerHTML = await res.text();
          live.setAttribute('data-refreshed', String(Date.now()));
        }
      } finally {
        busy = false;
      }
    };
    const source = new EventSource('/console/events');
    source.addEventListener('open', () => {
      if (mark) {
        mark.textContent = '实时';
        mark.classList.add('on');
      }
    });
    source.addEventListener('error', () => {
      if (mark) {
        mark.textContent = '连接中断，正在重连…';
        mark.classList.remove('on');
      }
    });
    source.addEventListener('changed', refresh);
  }
})();
