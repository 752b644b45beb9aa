// The peer of scripts/bench webhook: what a team would otherwise pick for a WeChat Official
// Account backend — node-webot's `wechat` middleware on express, one Node.js process. It checks
// the signature (plain mode) or msg_signature and decrypts (safe mode, encrypt_type=aes), parses
// the XML and answers every message with a passive text reply (encrypted in safe mode). No
// database, no dedupe, no replay guard: the floor of the work repairbot does on the same requests.
//
//   PORT=18092 WECHAT_TOKEN=... WECHAT_APPID=... WECHAT_AES_KEY=... node server.js
// Serves POST /wechat and GET /healthz on 127.0.0.1:$PORT; prints "listening <port>" when ready.
'use strict';
const express = require('express');
const wechat = require('wechat');

const port = Number(process.env.PORT || 18092);
const config = {
  token: process.env.WECHAT_TOKEN,
  appid: process.env.WECHAT_APPID,
  encodingAESKey: process.env.WECHAT_AES_KEY,
};
if (!config.token || !config.appid || !config.encodingAESKey) {
  console.error('server.js: set WECHAT_TOKEN, WECHAT_APPID and WECHAT_AES_KEY (43 characters)');
  process.exit(2);
}

const app = express();
app.disable('x-powered-by');
app.get('/healthz', (req, res) => res.send('ok\n'));
app.use('/wechat', wechat(config, (req, res) => {
  const message = req.weixin;
  if (message.MsgType === 'text') {
    res.reply('已收到您的消息：' + message.Content + '。请告诉我维修地址和问题，如“3栋2单元502厨房水管漏水”。');
  } else {
    res.reply('已收到，请直接打字描述问题，如“3栋502厨房水管漏水”。');
  }
}));

app.listen(port, '127.0.0.1', () => console.log('listening ' + port));
