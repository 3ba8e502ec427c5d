// The public tender pages' deadline countdowns ([data-countdown] holds the deadline in ms).
(function(){
  // As the server writes it (`format::remaining`): whole seconds rounded up.
  function fmt(ms){ if(ms<=0) return null; var s=Math.ceil(ms/1000), d=Math.floor(s/86400), h=Math.floor(s%86400/3600), m=Math.floor(s%3600/60), x=s%60;
    return d>0 ? d+" 天 "+h+" 小时" : h>0 ? h+" 小时 "+m+" 分" : m>0 ? m+" 分 "+x+" 秒" : x+" 秒"; }
  function tick(){ document.querySelectorAll("[data-countdown]").forEach(function(el){
    var t=fmt(parseInt(el.getAttribute("data-countdown"),10)-Date.now()); el.textContent = t===null ? "已截止（刷新页面查看最新状态）" : t; }); }
  tick(); setInterval(tick, 1000);
})();
