from django.contrib.auth import views as auth_views
from django.urls import path, re_path, register_converter

from web import feeds
from web.converters import IsoDateConverter
from web.forms import ThrottledPasswordResetForm
from web.views import (
    accounts,
    authors,
    collections,
    digests,
    following,
    lists,
    papers,
    search,
    submit,
    webhooks,
)

register_converter(IsoDateConverter, "isodate")

ARXIV_ID = r"(?P<arxiv_id>[a-z\-]+(?:\.[A-Z]{2})?/\d{7}|\d{4}\.\d{4,5})"
app_name = "web"
urlpatterns = [
    path("", lists.home, name="home"),
    path("papers", lists.home, name="papers"),
    path("papers/date/<isodate:day>", lists.day_list, name="day"),
    re_path(r"^papers/week/(?P<week>\d{4}-W\d{2})$", lists.week_list, name="week"),
    re_path(r"^papers/month/(?P<month>\d{4}-\d{2})$", lists.month_list, name="month"),
    path("papers/trending", lists.trending_list, name="trending"),
    path("papers/week", lists.current_period, {"kind": "week"}, name="this_week"),
    path("papers/month", lists.current_period, {"kind": "month"}, name="this_month"),
    path("papers/latest", lists.latest, name="latest"),
    re_path(rf"^papers/{ARXIV_ID}$", papers.paper, name="paper"),
    re_path(rf"^papers/{ARXIV_ID}v(?P<version>\d{{1,3}})$", papers.versioned, name="paper_version"),
    re_path(
        rf"^papers/{ARXIV_ID}\.(?P<kind>bib|ris|json)$", papers.citation, name="paper_citation"
    ),
    re_path(rf"^papers/{ARXIV_ID}\.md$", papers.markdown, name="paper_markdown"),
    re_path(rf"^papers/{ARXIV_ID}/upvote$", papers.upvote, name="upvote"),
    re_path(rf"^papers/{ARXIV_ID}/comments$", papers.comment, name="comment"),
    re_path(
        r"^comments/(?P<pk>\d+)/(?P<action>edit|delete|hide|unhide)$",
        papers.comment_action,
        name="comment_action",
    ),
    re_path(
        r"^listings/(?P<pk>\d+)/(?P<action>feature|unfeature|hide|unhide)$",
        papers.listing_action,
        name="listing_action",
    ),
    path("authors/<int:pk>", authors.author, name="author"),
    path("authors/<int:pk>/claim", authors.claim, name="author_claim"),
    path("authors/<int:pk>/claim/decide", authors.decide, name="author_claim_decide"),
    path("following", following.following, name="following"),
    path("following/change", following.follow, name="follow"),
    path("accounts/webhooks", webhooks.webhooks, name="webhooks"),
    re_path(r"^categories/(?P<code>[a-z\-]+(?:\.[A-Za-z\-]+)?)$", papers.category, name="category"),
    path("submit", submit.submit, name="submit"),
    path("submit/<int:pk>", submit.submission, name="submission"),
    path("for-you", lists.for_you, name="for_you"),
    path("collections", collections.mine, name="collections"),
    path("collections/<int:pk>/change", collections.change, name="collection_change"),
    path("collections/<int:pk>/import", collections.import_file, name="collection_import"),
    path(
        "collections/<int:pk>/imports/<int:number>",
        collections.import_report,
        name="citation_import",
    ),
    re_path(
        r"^collections/(?P<username>[\w.@+-]+)/(?P<slug>[-a-zA-Z0-9_]+)$",
        collections.collection,
        name="collection",
    ),
    re_path(
        r"^collections/(?P<username>[\w.@+-]+)/(?P<slug>[-a-zA-Z0-9_]+)\.(?P<kind>bib|ris|json)$",
        collections.export,
        name="collection_export",
    ),
    re_path(
        r"^collections/(?P<username>[\w.@+-]+)/(?P<slug>[-a-zA-Z0-9_]+)\.rss$",
        feeds.CollectionFeed(),
        name="feed_collection",
    ),
    re_path(
        r"^collections/(?P<username>[\w.@+-]+)/(?P<slug>[-a-zA-Z0-9_]+)\.atom$",
        feeds.atom(feeds.CollectionFeed)(),
        name="feed_collection_atom",
    ),
    re_path(rf"^papers/{ARXIV_ID}/collect$", collections.collect, name="collect"),
    path("search", search.search, name="search"),
    path("search/suggest", search.suggest, name="search_suggest"),
    re_path(r"^search\.(?P<kind>bib|ris|json)$", search.export, name="search_export"),
    path("accounts/signup", accounts.signup, name="signup"),
    path("accounts/verify/<str:token>", accounts.verify, name="verify_email"),
    path("accounts/verify-again", accounts.resend_verification, name="resend_verification"),
    path("accounts/login", accounts.PaperboyLoginView.as_view(), name="login"),
    path("accounts/logout", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password-reset",
        auth_views.PasswordResetView.as_view(
            template_name="web/password_reset.html",
            form_class=ThrottledPasswordResetForm,
            email_template_name="web/password_reset_email.txt",
            success_url="/accounts/password-reset/sent",
        ),
        name="password_reset",
    ),
    path(
        "accounts/password-reset/sent",
        auth_views.PasswordResetDoneView.as_view(template_name="web/password_reset_sent.html"),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>",
        auth_views.PasswordResetConfirmView.as_view(
            template_name="web/password_reset_confirm.html", success_url="/accounts/login"
        ),
        name="password_reset_confirm",
    ),
    path("accounts/tokens", accounts.tokens, name="tokens"),
    path("members/<str:username>", accounts.profile, name="profile"),
    path("feeds/daily.rss", feeds.DailyFeed(), name="feed_daily"),
    path("feeds/daily.atom", feeds.atom(feeds.DailyFeed)(), name="feed_daily_atom"),
    path("feeds/weekly.rss", feeds.WeeklyFeed(), name="feed_weekly"),
    path("feeds/weekly.atom", feeds.atom(feeds.WeeklyFeed)(), name="feed_weekly_atom"),
    path("feeds/trending.rss", feeds.TrendingFeed(), name="feed_trending"),
    path("feeds/trending.atom", feeds.atom(feeds.TrendingFeed)(), name="feed_trending_atom"),
    path("feeds/category/<str:code>.rss", feeds.CategoryFeed(), name="feed_category"),
    path(
        "feeds/category/<str:code>.atom",
        feeds.atom(feeds.CategoryFeed)(),
        name="feed_category_atom",
    ),
    path("feeds/search.rss", feeds.SearchFeed(), name="feed_search"),
    path("feeds/search.atom", feeds.atom(feeds.SearchFeed)(), name="feed_search_atom"),
    path("digests/subscribe", digests.subscribe_page, name="digest_subscribe"),
    path("digests/confirm/<str:token>", digests.confirm_page, name="digest_confirm"),
    path("digests/preferences/<str:token>", digests.preferences_page, name="digest_preferences"),
    path("digests/unsubscribe/<str:token>", digests.unsubscribe_page, name="digest_unsubscribe"),
    path("accounts/digest", digests.member_subscribe, name="member_digest"),
    path("about", lists.about, name="about"),
    path("healthz", papers.healthz, name="healthz"),
]
