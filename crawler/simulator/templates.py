"""Page templates of the simulated sites, written by us after the structures of real CMS pages.

Placeholders are `{{name}}` so that JavaScript braces need no escaping. Values are inserted as given:
callers escape text with `html.escape` where it lands in markup.
"""

from __future__ import annotations

import re

_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")


def render(template: str, **values: object) -> str:
    """Fill `{{name}}` placeholders; a missing value is a bug, so it raises KeyError."""
    return _PLACEHOLDER.sub(lambda match: str(values[match.group(1)]), template)


ROBOTS = """User-agent: *
Disallow: /admin/
Disallow: /search/
Allow: /

User-agent: BadBot
Disallow: /
"""

NOT_FOUND = """<!DOCTYPE html>
<html><head><meta charset="UTF-8"><title>404 页面不存在</title></head>
<body><div class="error404"><h1>404</h1><p>抱歉，您访问的页面不存在或已被删除！</p>
<p><a href="/">返回首页</a></p></div></body></html>
"""

# ---------------------------------------------------------------- TRS WCM (ministry-like, static pages)
TRS_HEAD = """<!DOCTYPE html>
<html>
<head>
<meta charset="UTF-8">
<meta name="viewport" content="width=device-width, user-scalable=no, initial-scale=1, maximum-scale=1, minimum-scale=1">
<title>{{page_title}}_{{site}}</title>
<meta name="SiteName" content="{{site}}" />
<meta name="SiteDomain" content="{{host}}" />
<meta name="SiteIDCode" content="{{site_code}}" />
<meta name="ColumnName" content="{{column}}" />
<meta name="ColumnType" content="{{column}}" />
{{extra_meta}}<script type="text/javascript" src="/images/jquery-1.12.4.min.js"></script>
<link class="stylefile" rel="stylesheet" type="text/css" href="/images/sim_base_pc.css" />
<link class="mobileStyle" rel="stylesheet" type="text/css" href="/images/sim_base_mobile.css" />
<script>
    var isPC = true;//简化：模拟站点始终按PC端加载
    if (!isPC) { $(".stylefile").remove(); }
</script>
</head>
<body>
<div class="header">
  <div class="headerC center">
    <a class="AppBtn" target="_parent">手机版</a>
    <span class="headerDate">今天是：{{today}}</span>
    <ul>
      <li class="header_mailbox_li"><a href="/home/yx/" target="_blank">邮箱</a></li>
      <li>
<script type="text/javascript">
    var ftzw = "{{mirror_root}}";
    var jtzw = "{{site_root}}";
    var flag = document.URL.indexOf("big5");
    if(flag<0)
        document.write('<a href="'+ftzw+'" target="_parent" title="繁体版">繁</a>');
    else
        document.write('<a href="'+jtzw+'" target="_parent" title="简体版">简</a>');
</script>
      </li>
      <li><a href="/home/wbwx/" target="_blank">微博微信</a></li>
    </ul>
  </div>
  <div class="navBox center">
    <ul class="navUl">
      <li><a href="/">首页</a></li>
      <li><a href="/ywdt/">要闻动态</a></li>
      <li><a href="/zcwj/">政策文件</a></li>
      <li><a href="/hdjl/">互动交流</a></li>
    </ul>
  </div>
</div>
"""

TRS_FOOTER = """<div class="footer">
  <div class="footer_BBox">
    <div class="footer_BZBox">
      <ul>
        <li><a href="/home/wzsm/" target="_blank">网站声明</a></li>
        <li><a href="/home/wzdt/" target="_blank">网站地图</a></li>
        <li><a href="/home/lxwm/" target="_blank">联系我们</a></li>
      </ul>
      <p>版权所有：{{site}}<span>|</span>ICP备案编号: <a href="/home/icp/" target="_blank">京ICP备00000000号-1</a></p>
      <p>网站标识码：{{site_code}}<span>|</span><a href="/home/ga/" target="_blank">京公网安备 11000000000001号</a></p>
    </div>
    <div class="footer_BRBox"><a>手机版</a></div>
    <a class="style_App" target="_parent">手机版</a>
  </div>
</div>
<div class="footerMoble">
  <p>版权所有：{{site}} </p>
  <p>ICP备案编号: 京ICP备00000000号-1</p>
  <p>网站标识码：{{site_code}}</p>
  <div class="style_pc">电脑版</div>
  <a class="goTopBtn"></a>
</div>
</body>
</html>
"""

TRS_LISTING = """<div class="innerBg">
  <div class="innerCenter">
    <div class="crumbsNav">当前位置：<a href="/" class="CurrChnlCls">首页</a>&nbsp;>&nbsp;<a href="../" class="CurrChnlCls">{{parent}}</a>&nbsp;>&nbsp;<a href="./" class="CurrChnlCls">{{column}}</a></div>
    <div class="innerBzCenter">
      <div class="neiright_Box">
        <ul class="sub">
          <li><span class="mobile_none"><a href="./" target="_self">{{column}}</a></span></li>
          <li><span class="mobile_none"><a href="/hdjl/" target="_blank">互动交流</a></span></li>
        </ul>
      </div>
      <div class="bd mobile_list">
        <ul id="div" class="{{list_class}}">
{{items}}
        </ul>
      </div>
      <div class="page" id="page_div">
{{pagination}}
      </div>
    </div>
  </div>
</div>
"""

TRS_ITEM = (
    '          <li><a href="./{{href}}" target="_blank" class="cjcx_biaob">{{title}}</a>'
    '<span class="date">{{date}}</span></li>'
)
TRS_POLICY_ITEM = (
    '          <li><div class="mobile_none"><a href="./{{href}}" target="_blank" title="{{title}}">{{title}}</a></div>'
    '<span class="date">{{date}}</span><p class="wh">{{doc}}</p></li>'
)

# The page count lives in inline JS, in one of the forms real TRS sites use.
TRS_PAGINATION = {
    "countpage": """<script type="text/javascript">
    var currentPage = {{current}};//所在页从0开始
    var prevPage = currentPage-1//上一页
    var nextPage = currentPage+1//下一页
    var countPage = {{count}} //共多少页
    if(countPage>1){ document.write("<a href='index.shtml'>首页</a>"); }
</script>""",
    "createpage4": """<script type="text/javascript">
    createPageHTML({{count}}, {{current}}, "index", "shtml");
</script>""",
    "createpage6": """<script type="text/javascript">
    createPageHTML({{count}}, {{current}}, "index", "shtml", "black2", {{total}});
</script>""",
    "pagediv": """<div id="page_div"></div>
<script type="text/javascript">
    createPageHTML('page_div', {{count}}, {{current}}, 'list_yw', 'shtml', {{total}});
</script>""",
    "pagecontrol": """<div class="pages-nav"></div>
<script type="text/javascript">
    pageControl({{count}}, {{current}}, "index", "shtml", 10, 'pages-nav');
</script>""",
}

TRS_ARTICLE_META = """<meta name="ArticleTitle" content="{{title}}"   />
<meta name="PubDate" content="{{pubdate}}"   />
<meta name="ContentSource" content="{{source}}"   />
<meta name="Keywords" content=""  />
<meta name="Url" content="{{url}}">
<meta name="catalogs" content="{{catalog}}">
<meta name="contentid" content="{{uid}}">
<meta name="publishdate" content="{{date}}">
<meta name="source" content="{{source}}">
"""

TRS_ARTICLE = """<div class="innerBg">
  <div class="innerCenter">
    <div class="crumbsNav">当前位置：<a href="../../../" class="CurrChnlCls">首页</a>&nbsp;>&nbsp;<a href="../../" class="CurrChnlCls">{{parent}}</a>&nbsp;>&nbsp;<a href="../" class="CurrChnlCls">{{column}}</a></div>
    <div class="wzsmCenter">
      <div class="innerBzCenter">
        <div class="stbzXq">
          <div class="neiright_Box">
            <h2 class="neiright_Title">{{title}}</h2>
            <div class="neiright_Content">
              <div class="neiright_JPZ_GK">
                <p class="ydLyZzBox">
                  <span>{{date}}</span>
                  <span>来源：{{source}}</span>
                </p>
                <span class="xqLyPc time">{{date}}</span>
                <span class="xqLyPc">来源：{{source}}</span>
                <div class="neiright_JPZGK">分享到：
<div class="bshare-custom icon-medium">
    <a title="分享到微信" class="bshare-weixin"></a>
    <a title="分享到新浪微博" class="bshare-sinaminiblog"></a>
</div>
</div>
                <span class="zzjgLdPrint"><a href="javascript:void(1)" onclick="window.print()">[打印]</a></span>
                <span class="zzjgLdFont">字号：<a>[大]</a> <a class="active">[中]</a> <a>[小]</a></span>
                <span class="zzjgLdVisit">浏览次数：{{visits}}</span>
              </div>
              <div class="neiright_JPZ_GK_CP">
                <div class=TRS_Editor><div class="Custom_UnionStyle">
{{body}}
</div></div>
              </div>
            </div>
          </div>
          <div class="xgwzBox">
            <div class="cjcs_com_tt"><h2>相关文章</h2></div>
            <ul class="xgwzList">
{{related}}
            </ul>
          </div>
        </div>
      </div>
      <!--信息挖掘 start-->
      <div class="stbzCBaseXq" id='recommend-rel' style="display: none">
        <div class="cjcs_com_tt"><h2>相关阅读推荐</h2></div>
        <div class="cjcx_hdjl_liebadd"><ul>
{{hidden_related}}
        </ul></div>
      </div>
    </div>
  </div>
</div>
"""

TRS_POLICY = """<div class="innerBg">
  <div class="innerCenter">
    <div class="crumbsNav">当前位置：<a href="../../../" class="CurrChnlCls">首页</a>&nbsp;>&nbsp;<a href="../../" class="CurrChnlCls">{{parent}}</a>&nbsp;>&nbsp;<a href="../" class="CurrChnlCls">{{column}}</a></div>
    <div class="content_top_box">
      <ul>
        <li><div><span>名　　称：</span>{{title}}</div></li>
        <li><div><span>索 引 号：</span>{{index_no}}</div></li>
        <li><div><span>分　　类：</span>{{column}}</div></li>
        <li><div><span>发布机关：</span>{{org}}</div></li>
        <li><div><span>生成日期：</span>{{date}}</div></li>
        <li><div><span>文　　号：</span>{{doc}}</div></li>
      </ul>
    </div>
    <div class="content_body">
      <h1>{{title}}</h1>
      <div class="content_fx">
        <span>浏览次数：{{visits}}</span>
        <span class="zzjgLdPrint"><a href="javascript:void(1)" onclick="window.print()">[打印]</a></span>
        <span class="zzjgLdFont">字号：<a>[大]</a> <a class="active">[中]</a> <a>[小]</a></span>
      </div>
      <div class="content_body_box">
        <div class="Custom_UnionStyle">
{{body}}
        </div>
      </div>
    </div>
    <div class="xgwzBox"><h2>相关文章</h2><ul class="xgwzList">
{{related}}
    </ul></div>
    <div class="link-url-wrapper" style="display: none">
      <h1>您访问的链接即将离开“{{site}}”门户网站 是否继续？</h1>
      <a class="link-url-continue">继续访问</a><a class="link-url-cancel">放弃</a>
    </div>
  </div>
</div>
"""

TRS_HOME = """<div class="innerBg"><div class="innerCenter"><h1>{{site}}</h1>
<ul class="lanmu">
{{columns}}
</ul></div></div>
"""

# ---------------------------------------------------------------- Hanweb JCMS (dynamic)
HANWEB_PAGE = """<!DOCTYPE html>
<html>
<head>
<meta http-equiv="Content-Type" content="text/html; charset=utf-8" />
<title>{{column}} {{site}}</title>
<meta name="SiteName" content="{{site}}">
<meta name="SiteDomain" content="{{host}}">
<meta name="SiteIDCode" content="{{site_code}}">
<meta name="ColumnName" content="{{column}}">
<meta name="ColumnType" content="{{column}}">
{{extra_meta}}<script type="text/javascript" src="/module/jslib/jquery/jquery.js"></script>
<script type="text/javascript" src="/module/jslib/jpage/jpage.js"></script>
</head>
<body>
<div class="top"><div class="wrap">
  <span class="today">今天是：{{today}}</span>
  <a href="/col/col1/index.html">首页</a> | <a href="/module/search/index.jsp" target="_blank">站内搜索</a> | <a href="javascript:void(0)">无障碍</a>
</div></div>
<div class="nav"><ul>
{{nav}}
</ul></div>
<div class="main wrap">
{{main}}
</div>
<div class="foot">
  <p>主办单位：{{site}}　地址：{{address}}　邮编：{{postcode}}</p>
  <p>版权所有：{{site}}　ICP备案编号：{{icp}}　网站标识码：{{site_code}}</p>
  <p><a href="/col/col1/index.html">网站地图</a> | <a href="/col/col2/index.html">联系我们</a></p>
</div>
</body>
</html>
"""

HANWEB_LISTING = """<div class="bt-position">当前位置：<a href="/col/col1/index.html">首页</a> &gt; <a href="/col/col{{code}}/index.html">{{column}}</a></div>
<div class="default_pgContainer" id="{{div_id}}">
<script type="text/xml"><datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid={{web_id}}&path=/&columnid={{code}}&unitid={{unit_id}}&webname={{webname}}&permissiontype=0"></a>]]></nextgroup>
<recordset>
{{records}}
</recordset>
</datastore></script>
</div>
<script type="text/javascript">
$(document).ready(function(){
    $("#{{div_id}}").jpage({
        dataStore: "xml", proxyUrl: "/module/web/jpage/dataproxy.jsp", perPage: {{perpage}},
        totalRecord: {{total}}, groupSize: 3, barPosition: "bottom", ajaxParam: {
            col: 1, appid: 1, webid: {{web_id}}, path: "/", columnid: {{code}}, sourceContentType: 1,
            unitid: {{unit_id}}, webname: "{{site}}", permissiontype: 0
        }
    });
});
</script>
"""

HANWEB_RECORD = (
    '<record><![CDATA[<li><a href="{{href}}" target="_blank" title="{{title}}">{{title}}</a>'
    '<span class="bt-data-time">{{date}}</span></li>]]></record>'
)

HANWEB_PROXY = """<?xml version="1.0" encoding="UTF-8"?>
<datastore>
<nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page={{next}}&appid=1&webid={{web_id}}&path=/&columnid={{code}}&unitid={{unit_id}}&permissiontype=0"></a>]]></nextgroup>
<totalrecord>{{total}}</totalrecord>
<totalpage>{{pages}}</totalpage>
<recordset>
{{records}}
</recordset>
</datastore>
"""

HANWEB_ARTICLE = """<div class="bt-position">当前位置：<a href="/col/col1/index.html">首页</a> &gt; <a href="/col/col{{code}}/index.html">{{column}}</a></div>
<div class="article">
  <h1 class="art-title">{{title}}</h1>
  <div class="art-info">
    <span>发布日期：{{pubdate}}</span>
    <span>信息来源：{{source}}</span>
    <span>浏览次数：<em id="visits">{{visits}}</em></span>
    <span>字号：[ <a href="javascript:doZoom(18)">大</a> <a href="javascript:doZoom(16)">中</a> <a href="javascript:doZoom(14)">小</a> ]</span>
  </div>
<!--ContentStart--><div id="zoom">
{{body}}
</div><!--ContentEnd-->
  <div class="art-tools">分享到：<a class="share-wx">微信</a> <a class="share-wb">微博</a>　<a href="javascript:window.print()">【打印本页】</a>　<a href="javascript:window.close()">【关闭窗口】</a></div>
  <div class="xgwz"><h3>相关文章</h3><ul>
{{related}}
  </ul></div>
</div>
"""

# ---------------------------------------------------------------- JSON API province (dynamic)
JSON_PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>{{page_title}}-{{site}}</title>
<meta name="SiteName" content="{{site}}">
<meta name="ColumnName" content="{{column}}">
{{extra_meta}}<script src="/sthj/common/js/jquery.min.js"></script>
</head>
<body>
<div class="header"><div class="w1200"><span class="date">今天是：{{today}}</span><a href="/sthj/index.shtml">首页</a></div></div>
<div class="w1200 main">
{{main}}
</div>
<div class="footer"><p>主办：{{site}}　网站标识码：{{site_code}}　{{icp}}</p></div>
</body>
</html>
"""

JSON_SHELL = """<div class="position">您现在的位置：<a href="/sthj/index.shtml">首页</a> &gt; <span>{{column}}</span></div>
<div class="listbox">
  <ul class="list" id="list"></ul>
  <div class="page" id="page"></div>
</div>
<script>
var channelId = '{{channel}}';
var pageSize = 20;
function loadPage(page) {
    $.getJSON('/common/search/' + channelId + '?_isAgg=true&_isJson=true&_pageSize=' + pageSize + '&_template=index&page=' + page, function (res) {
        var html = '';
        $.each(res.data.results, function (i, item) {
            html += '<li><a href="' + item.url + '" target="_blank">' + item.title + '</a><span>' + item.publishedTimeStr.substr(0, 10) + '</span></li>';
        });
        $('#list').html(html);
    });
}
loadPage(1);
</script>
"""

JSON_ARTICLE = """<div class="position">您现在的位置：<a href="/sthj/index.shtml">首页</a> &gt; <a href="/sthj/c{{code}}/list.shtml">{{column}}</a></div>
<div class="mainbox">
  <h1>{{title}}</h1>
  <div class="info">
    <span class="date">发布时间：<b>{{pubdate}}</b></span>
    <span class="ly">来源：<b>{{source}}</b></span>
    <span class="fw">浏览量：<b>{{visits}}</b></span>
    <span class="zh">字号：<a>大</a> <a>中</a> <a>小</a></span>
  </div>
  <div class="zwnr" id="zwnr">
{{body}}
  </div>
  <div class="share">分享：<a>微信</a> <a>微博</a>　<a href="javascript:window.print();">打印</a></div>
</div>
<div class="related"><h3>相关文章</h3><ul>
{{related}}
</ul></div>
"""

# ---------------------------------------------------------------- old GBK site (dynamic, no charset header)
GBK_PAGE = """<html>
<head>
{{charset_meta}}<title>{{page_title}}--{{site}}</title>
</head>
<body bgcolor="#FFFFFF" topmargin="0">
<table width="960" border="0" align="center" cellpadding="0" cellspacing="0">
  <tr><td class="banner"><img src="/images/banner.jpg" width="960" height="120"></td></tr>
  <tr><td class="dateline">今天是：{{today}}　　<a href="/">网站首页</a> | <a href="/news/">工作动态</a></td></tr>
</table>
<table width="960" border="0" align="center" cellpadding="0" cellspacing="0"><tr><td>
{{main}}
</td></tr></table>
<table width="960" border="0" align="center"><tr><td class="bottom" align="center">
版权所有：{{site}}　地址：{{address}}<br>ICP备案：{{icp}}　技术支持：信息中心
</td></tr></table>
</body>
</html>
"""

GBK_LISTING = """<div class="newslist">
<div class="title">{{column}}</div>
<ul>
{{items}}
</ul>
<div class="pages">{{pager}}</div>
</div>
"""

GBK_ITEM = '<li><a href="{{href}}" target="_blank">{{title}}</a> <span class="time">{{date}}</span></li>'

GBK_ARTICLE = """<table width="100%" class="article"><tr><td align="center"><font class="title">{{title}}</font></td></tr>
<tr><td align="center" class="info">发布时间：{{pubdate}}　来源：{{source}}　点击数：{{visits}}</td></tr>
<tr><td class="content">
{{body}}
</td></tr>
<tr><td align="right"><a href="javascript:window.print()">[打印本页]</a> <a href="javascript:window.close()">[关闭窗口]</a></td></tr>
<tr><td class="xgwz">相关文章：<br>
{{related}}
</td></tr></table>
"""

# ---------------------------------------------------------------- challenge pages (blocked source)
RUISHU_PAGE = """<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<meta content="{{token}}" r='m'>
<!--[if lt IE 9]><script r='m'>document.createElement("section")</script><![endif]-->
<script type="text/javascript" charset="iso-8859-1" src="{{script_src}}" r='m'></script>
<script type="text/javascript" r='m'>(function(){var _$c4=0,_$aQ=[{{table}}];$_ts=window['$_ts'];if(!$_ts){$_ts={};window['$_ts']=$_ts;}$_ts.nsd={{nsd}};$_ts.cd="{{cd}}";if($_ts.lcd){$_ts.lcd();}})();</script>
</head>
<body></body>
</html>
"""

JSL_PAGE = (
    "<html><body><script>document.cookie=('_')+('_')+('j')+('s')+('l')+('_')+('c')+('l')+('e')+('a')+('r')"
    "+('a')+('n')+('c')+('e')+('=')+('{{clearance}}')+(';max-age=3600;path=/');"
    "location.href=location.pathname+location.search</script></body></html>"
)
