import './common/style.css';
import { byId, h, replace } from './common/dom';
import { citizenPage } from './common/elder';

citizenPage();

// The last field marks the pages citizens use themselves: 长辈模式 shows only those (staff pages stay a click away in the standard mode).
const pages: [string, string, string, boolean?][] = [
  ['/map', '办事地图', '全省服务网点与实时等候，按“路程 + 等候”推荐最近的办事点。', true],
  ['/hall?hall=520102-H001', '大厅看板', '大厅负责人：各类别排队、窗口状态、今日办结与过号，实时更新。'],
  ['/screen?hall=520102-H001', '叫号屏', '等候区大屏：叫号→窗口，最近叫号与等候人数。'],
  ['/clerk?hall=520102-H001&window=1', '窗口工作台', '窗口人员：签到、叫号、重呼、过号、转办、办结。'],
  ['/province', '全省监管', '县域分布图：等候、开放率、暂停网点，按市州与县区统计。'],
  ['/rate?hall=520102-H001&window=1', '好差评评价器', '窗口面向群众的评价器：办结后选择满意程度、填写意见（也在窗口工作台办结后出现）。', true],
  ['/hotline', '12345 坐席', '热线坐席：核验来电人后查询办件（脱敏）、办理进度与时限，登记催办、投诉，实时跟踪。'],
];

replace(byId('main'),
  h('p', null, '“全省通办、一次办成”政务服务平台的页面。'),
  h('div', { class: 'cards' }, ...pages.map(([href, title, text, citizen]) =>
    h('a', { href, 'data-audience': citizen ? 'citizen' : 'staff' }, h('strong', null, title), h('p', null, text)))),
);
byId('main').dataset.ready = 'index';
