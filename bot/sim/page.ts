// The simulator page: group chats, a persona switcher, cards with working buttons and
// forms, live updates. Plain HTML, CSS and JS: no build step, nothing from the network.
export const simPage = `<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>呼应 · 模拟器</title>
<style>
*{box-sizing:border-box}body{margin:0;font:14px/1.5 -apple-system,"PingFang SC","Noto Sans CJK SC","Microsoft YaHei",sans-serif;background:#eef0f3;color:#1f2329;height:100vh;display:flex;flex-direction:column}
header{background:#1f2329;color:#fff;padding:8px 14px;display:flex;gap:12px;align-items:center;flex-wrap:wrap}
header h1{font-size:16px;margin:0 12px 0 0}header select,header button,header input{font:inherit;padding:3px 6px;border-radius:4px;border:1px solid #555}
#clock{display:none;gap:6px;align-items:center;margin-left:auto}
main{flex:1;display:flex;min-height:0}
nav{width:250px;background:#fff;border-right:1px solid #dde;overflow:auto}
nav h2{font-size:12px;color:#8f959e;margin:12px 12px 4px}
nav button{display:flex;width:100%;text-align:left;border:0;background:none;padding:8px 12px;font:inherit;cursor:pointer;justify-content:space-between}
nav button.on{background:#e1eaff}nav button.dim{color:#aaa}
.badge{background:#f54a45;color:#fff;border-radius:9px;padding:0 6px;font-size:12px}
section{flex:1;display:flex;flex-direction:column;min-width:0}
#title{padding:10px 16px;background:#fff;border-bottom:1px solid #dde;font-weight:600}
#log{flex:1;overflow:auto;padding:12px 16px}
.msg{margin:10px 0;display:flex;flex-direction:column;align-items:flex-start}.msg .who{font-size:12px;color:#8f959e}
.msg.me{align-items:flex-end}.bubble{background:#fff;border-radius:8px;padding:8px 12px;max-width:70%;white-space:pre-wrap}
.msg.me .bubble{background:#cce0ff}
.card{background:#fff;border-radius:8px;max-width:560px;width:100%;box-shadow:0 1px 2px #0002;overflow:hidden}
.card h3{margin:0;padding:8px 12px;font-size:14px;color:#fff}
.t-info h3{background:#3370ff}.t-success h3{background:#2ea121}.t-warning h3{background:#e58b00}.t-danger h3{background:#d83931}.t-neutral h3{background:#646a73}
.card .body{padding:8px 12px}.card dl{margin:0;display:grid;grid-template-columns:auto 1fr;gap:2px 10px}.card dt{color:#646a73}.card dd{margin:0}
.card .text{white-space:pre-wrap;margin-top:6px}.card .note{color:#8f959e;font-size:12px;margin-top:6px}
.card .btns{display:flex;flex-wrap:wrap;gap:6px;margin-top:8px}
.card button{font:inherit;border:1px solid #c9cdd4;background:#fff;border-radius:4px;padding:3px 10px;cursor:pointer}
.card button.primary{background:#3370ff;color:#fff;border-color:#3370ff}.card button.danger{color:#d83931;border-color:#d83931}
.card form{margin-top:8px;border-top:1px dashed #dde;padding-top:8px;display:flex;flex-wrap:wrap;gap:6px;align-items:end}
.card label{display:flex;flex-direction:column;font-size:12px;color:#646a73}.card select,.card input{font:inherit;padding:2px 4px}
.ask{display:flex;gap:6px;margin-top:6px}.ask input{flex:1;font:inherit;padding:3px 6px}
footer{display:flex;gap:8px;padding:10px 16px;background:#fff;border-top:1px solid #dde}
footer input{flex:1;font:inherit;padding:6px 10px;border:1px solid #c9cdd4;border-radius:4px}footer button{font:inherit;padding:6px 14px}
#toast{position:fixed;top:56px;left:50%;transform:translateX(-50%);background:#1f2329;color:#fff;padding:6px 14px;border-radius:6px;display:none}
</style></head><body>
<header><h1>呼应 · 街道呼·部门应 模拟器</h1>
<label>当前身份 <select id="persona" data-testid="persona" aria-label="当前身份"></select></label>
<span id="who"></span>
<span id="clock"><span id="now"></span><button data-testid="clock-hour" data-adv="PT1H">快进1小时</button><button data-adv="P1D">快进1天</button><input id="adv" size="6" value="PT3H" aria-label="快进时长"><button id="advgo">快进</button></span>
</header>
<main><nav id="chats" aria-label="群聊"></nav>
<section><div id="title"></div><div id="log" role="log" aria-live="polite"></div>
<footer><button id="at" title="插入 @呼应">@呼应</button><input id="text" data-testid="composer" placeholder="@呼应 描述问题和地点，或输入指令（发送「帮助」查看）" aria-label="消息"><button id="send" data-testid="send">发送</button></footer>
</section></main><div id="toast" role="status"></div>
<script>
const $=s=>document.querySelector(s);const api=(p,o)=>fetch('/sim/api'+p,o).then(r=>r.json());
const post=(p,b)=>api(p,{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify(b)});
let S={chats:[],personas:[]},me=null,cur=null,msgs={},unread={};
const GROUPS=[['community','社区群'],['street','街道群'],['department','部门群'],['office','呼应办'],['leader','区领导']];
const esc=s=>String(s??'').replace(/[&<>"']/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]));
function toast(t){const e=$('#toast');e.textContent=t;e.style.display='block';clearTimeout(e._t);e._t=setTimeout(()=>e.style.display='none',2500)}
async function load(){S=await api('/state');const sel=$('#persona');sel.innerHTML=S.personas.map(p=>'<option value="'+p.id+'">'+esc(p.name)+'（'+esc(p.roleName)+'·'+esc(p.unitName)+'）</option>').join('');
 me=S.personas.find(p=>p.role==='resident')||S.personas[0];sel.value=me.id;
 if(S.clock.mode==='manual'){$('#clock').style.display='flex';$('#now').textContent='🕘 '+S.clock.shanghai}
 for(const c of S.chats){const r=await api('/chats/'+c.id+'/messages');msgs[c.id]=r.messages}
 pick(me.chats[0]);live()}
function mine(c){return me&&me.chats.includes(c.id)}
function nav(){$('#chats').innerHTML=GROUPS.map(([r,l])=>{const cs=S.chats.filter(c=>c.role===r);if(!cs.length)return'';
 return '<h2>'+l+'</h2>'+cs.map(c=>'<button data-testid="chat-'+c.id+'" data-chat="'+c.id+'" class="'+(c.id===cur?'on ':'')+(mine(c)?'':'dim')+'">'+esc(c.title)+(unread[c.id]?'<span class="badge">'+unread[c.id]+'</span>':'')+'</button>').join('')}).join('');
 document.querySelectorAll('nav button').forEach(b=>b.onclick=()=>pick(b.dataset.chat))}
function pick(id){cur=id;unread[id]=0;const c=S.chats.find(x=>x.id===id);$('#title').textContent=c?c.title+(mine(c)?'':'（你不在此群，仅可查看）'):'';$('#who').textContent='';nav();draw()}
function card(m,rec){const b=m.message;let h='<div class="card t-'+esc(b.tone)+'" data-testid="card"><h3>'+esc(b.title)+'</h3><div class="body">';
 if(b.fields&&b.fields.length)h+='<dl>'+b.fields.map(f=>'<dt>'+esc(f.label)+'</dt><dd>'+esc(f.value)+'</dd>').join('')+'</dl>';
 if(b.mentions&&b.mentions.length)h+='<div class="text">'+b.mentions.map(x=>'@'+esc(x.name)).join(' ')+'</div>';
 if(b.text)h+='<div class="text">'+esc(b.text)+'</div>';
 if(b.images)h+=b.images.map(i=>'<div class="text">🖼 '+esc(i.alt)+'</div>').join('');
 if(b.note)h+='<div class="note">'+esc(b.note)+'</div>';
 if(b.buttons&&b.buttons.length)h+='<div class="btns">'+b.buttons.map((x,i)=>'<button class="'+(x.style||'')+'" data-msg="'+rec.id+'" data-i="'+i+'" data-testid="btn-'+esc(x.label)+'">'+esc(x.label)+'</button>').join('')+'</div><div class="ask" hidden></div>';
 if(b.form){h+='<form data-msg="'+rec.id+'" data-testid="form">'+b.form.fields.map(f=>'<label>'+esc(f.label)+(f.type==='select'?'<select name="'+f.name+'" data-testid="field-'+f.name+'">'+(f.options||[]).map(o=>'<option value="'+esc(o.value)+'"'+(o.value===f.initial?' selected':'')+'>'+esc(o.label)+'</option>').join('')+'</select>':'<input name="'+f.name+'" data-testid="field-'+f.name+'" type="'+(f.type==='number'?'number':'text')+'" placeholder="'+esc(f.placeholder||'')+'" value="'+esc(f.initial||'')+'">')+'</label>').join('')+'<button class="primary" data-testid="submit">'+esc(b.form.submitLabel)+'</button></form>'}
 return h+'</div></div>'}
function draw(){const log=$('#log');log.innerHTML=(msgs[cur]||[]).map(m=>{const own=!m.fromBot&&me&&m.body.persona===me.id;
 return '<div class="msg'+(own?' me':'')+'"><div class="who">'+esc(m.sender)+' · '+new Date(m.at).toLocaleTimeString('zh-CN',{timeZone:'Asia/Shanghai',hour:'2-digit',minute:'2-digit'})+'</div>'+(m.body.message?card(m,m):'<div class="bubble">'+esc(m.body.text)+'</div>')+'</div>'}).join('');
 log.querySelectorAll('.btns button').forEach(b=>b.onclick=()=>press(b));log.querySelectorAll('form').forEach(f=>f.onsubmit=e=>{e.preventDefault();submit(f)});log.scrollTop=log.scrollHeight}
async function press(b){const rec=(msgs[cur]||[]).find(m=>m.id===b.dataset.msg);const btn=rec.body.message.buttons[+b.dataset.i];
 if(btn.needsText){const ask=b.closest('.body').querySelector('.ask');ask.hidden=false;ask.innerHTML='<input data-testid="ask" placeholder="'+esc(btn.needsText)+'" aria-label="'+esc(btn.needsText)+'"><button class="primary" data-testid="ask-ok">确定</button>';
  const inp=ask.querySelector('input');inp.focus();ask.querySelector('button').onclick=async()=>{const r=await post('/actions',{from:me.id,message:rec.id,action:+b.dataset.i,text:inp.value});toast(r.toast||r.error||'')};return}
 const r=await post('/actions',{from:me.id,message:rec.id,action:+b.dataset.i});toast(r.toast||r.error||'')}
async function submit(f){const form={};new FormData(f).forEach((v,k)=>form[k]=String(v));const r=await post('/actions',{from:me.id,message:f.dataset.msg,action:'form',form});toast(r.toast||r.error||'')}
async function send(){const t=$('#text').value.trim();if(!t)return;$('#text').value='';const r=await post('/chats/'+cur+'/messages',{from:me.id,text:t});if(!r.ok)toast(r.error)}
function live(){const es=new EventSource('/sim/api/events');es.addEventListener('message',e=>{const m=JSON.parse(e.data);const list=msgs[m.chat]||(msgs[m.chat]=[]);const i=list.findIndex(x=>x.id===m.id);
 if(i>=0)list[i]=m;else{list.push(m);if(m.chat!==cur)unread[m.chat]=(unread[m.chat]||0)+1}if(m.chat===cur)draw();else nav()})}
$('#persona').onchange=e=>{me=S.personas.find(p=>p.id===e.target.value);pick(me.chats.includes(cur)?cur:me.chats[0])};
$('#send').onclick=send;$('#text').onkeydown=e=>{if(e.key==='Enter')send()};$('#at').onclick=()=>{$('#text').value='@呼应 '+$('#text').value;$('#text').focus()};
async function adv(d){const r=await post('/clock',{advance:d});if(r.ok){$('#now').textContent='🕘 '+r.shanghai;toast('时间已到 '+r.shanghai)}else toast(r.error)}
document.querySelectorAll('[data-adv]').forEach(b=>b.onclick=()=>adv(b.dataset.adv));$('#advgo').onclick=()=>adv($('#adv').value);
load();
</script></body></html>`;
