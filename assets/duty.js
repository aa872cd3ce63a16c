/* The duty console in the browser: the alarm tone, the flashing state and the clock.
 *
 * The tone is made here with the Web Audio API (two short square-wave beeps, repeated): no audio
 * file is fetched from anywhere. It sounds while the console's list holds a red (I) or orange (II)
 * alert nobody has acknowledged, and stops when the last one is acknowledged. Browsers let a page
 * play sound only after the user has interacted with it: the first click anywhere on the page (or
 * on the "enable sound" button) allows it. `window.brainDuty` exposes the state for tests and for
 * the page itself. Inert on every other page of the app.
 */
(function () {
  "use strict";

  var TZ = "Asia/Shanghai";
  var REPEAT_MS = 1400;
  var audio = { ctx: null, timer: null };
  var state = { alarming: false, ids: [], audio: "idle", beeps: 0 };

  function context() {
    if (!audio.ctx) {
      var Ctx = window.AudioContext || window.webkitAudioContext;
      if (!Ctx) { return null; }
      audio.ctx = new Ctx();
    }
    return audio.ctx;
  }

  function tone(ctx, freq, at, length) {
    var osc = ctx.createOscillator();
    var gain = ctx.createGain();
    osc.type = "square";
    osc.frequency.setValueAtTime(freq, at);
    gain.gain.setValueAtTime(0.0001, at);
    gain.gain.exponentialRampToValueAtTime(0.25, at + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, at + length);
    osc.connect(gain).connect(ctx.destination);
    osc.start(at);
    osc.stop(at + length + 0.02);
  }

  function beep() {
    var ctx = context();
    if (!ctx) { state.audio = "unavailable"; return; }
    if (ctx.state !== "running") { state.audio = "blocked"; soundButton(); return; }
    var t0 = ctx.currentTime;
    tone(ctx, 960, t0, 0.22);
    tone(ctx, 720, t0 + 0.3, 0.22);
    state.audio = "playing";
    state.beeps += 1;
    soundButton();
  }

  function start() {
    if (audio.timer) { return; }
    beep();
    audio.timer = setInterval(beep, REPEAT_MS);
  }

  function stop() {
    if (audio.timer) { clearInterval(audio.timer); }
    audio.timer = null;
    state.audio = "idle";
    soundButton();
  }

  // the "enable sound" button shows only while the browser still blocks the tone
  function soundButton() {
    var button = document.getElementById("duty-sound");
    if (!button) { return; }
    var blocked = !audio.ctx || audio.ctx.state !== "running";
    button.classList.toggle("duty-btn--blocked", blocked && state.alarming);
    button.hidden = !blocked;
  }

  document.addEventListener("click", function () {
    if (!document.getElementById("duty-sound")) { return; }
    var ctx = context();
    if (ctx && ctx.state !== "running") {
      ctx.resume().then(function () { if (state.alarming) { beep(); } soundButton(); });
    }
  }, true);

  window.brainDuty = state;


  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    duty: {
      clock: function () {
        var parts = {};
        new Intl.DateTimeFormat("en-GB", {
          timeZone: TZ, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23"
        }).formatToParts(new Date()).forEach(function (p) { parts[p.type] = p.value; });
        return parts.hour + ":" + parts.minute + ":" + parts.second;
      },
      alarm: function (ids) {
        var list = Array.isArray(ids) ? ids.slice() : [];
        state.ids = list;
        state.alarming = list.length > 0;
        document.documentElement.classList.toggle("duty-alarming", state.alarming);
        if (state.alarming) { start(); } else { stop(); }
        return { alarming: state.alarming, n: list.length };
      }
    }
  });
})();
