"""The sign-in, password, sign-out and forbidden pages: plain HTML forms (they work before any
script runs), in the wall's dark style (assets/signin.css), every text from the `signin.`
catalog and every value escaped. Each form carries the session's CSRF token in a hidden field.
"""

from __future__ import annotations

from urllib.parse import urlencode

from markupsafe import Markup

from layouts.i18n import lang_of, other_lang, t

__all__ = ["forbidden_page", "password_page", "signin_page", "signout_page"]


def _page(lang: str, title_key: str, body: Markup, *, toggle: str = "") -> str:
    lang = lang_of(lang)
    html_lang = "zh-CN" if lang == "zh" else "en"
    switch = (
        Markup('<a class="signin-lang" href="{}">{}</a>').format(toggle, t("signin.lang", lang))
        if toggle
        else Markup("")
    )
    return str(
        Markup(
            '<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            '<meta name="referrer" content="no-referrer">'
            "<title>{title}</title>"
            '<link rel="stylesheet" href="/assets/signin.css"></head>'
            '<body class="signin-body"><main class="signin-page">{switch}'
            '<section class="signin-card"><div class="signin-brand">{brand}</div>'
            '<div class="signin-subtitle">{subtitle}</div>{body}</section></main></body></html>'
        ).format(
            lang=html_lang,
            title=t(title_key, lang),
            switch=switch,
            brand=t("signin.brand", lang),
            subtitle=t("signin.subtitle", lang),
            body=body,
        )
    )


def _error(lang: str, error: str | None) -> Markup:
    if not error:
        return Markup("")
    return Markup('<p class="signin-error" role="alert" id="signin-error">{}</p>').format(
        t(f"signin.error.{error}", lang)
    )


def _field(name: str, label: str, kind: str, value: str = "", auto: str = "") -> Markup:
    return Markup(
        '<label class="signin-label" for="signin-{name}">{label}</label>'
        '<input class="signin-input" id="signin-{name}" name="{name}" type="{kind}" '
        'value="{value}" autocomplete="{auto}" required>'
    ).format(name=name, label=label, kind=kind, value=value, auto=auto or "off")


def _csrf(token: str) -> Markup:
    return Markup('<input type="hidden" name="csrf" value="{}">').format(token)


def _toggle(path: str, lang: str, **params: str) -> str:
    query = {k: v for k, v in params.items() if v}
    query["lang"] = other_lang(lang)
    return f"{path}?{urlencode(query)}"


def signin_page(
    lang: str,
    *,
    csrf: str,
    next_url: str = "",
    error: str | None = None,
    name: str = "",
    oidc: bool = False,
) -> str:
    """The sign-in form (POST /login); `error` one of bad, throttled, disabled, csrf, oidc,
    display; `oidc` adds the identity service's button."""
    lang = lang_of(lang)
    form = Markup(
        '<form class="signin-form" method="post" action="/login">{csrf}'
        '<input type="hidden" name="next" value="{next}">'
        '<input type="hidden" name="lang" value="{lang}">{error}{name}{password}'
        '<button class="signin-submit" id="signin-submit" type="submit">{submit}</button></form>'
    ).format(
        csrf=_csrf(csrf),
        next=next_url,
        lang=lang,
        error=_error(lang, error),
        name=_field("name", t("signin.name", lang), "text", name, "username"),
        password=_field("password", t("signin.password", lang), "password", "", "current-password"),
        submit=t("signin.submit", lang),
    )
    if oidc:
        query = urlencode({"next": next_url, "lang": lang})
        form += Markup(
            '<div class="signin-or">{or_}</div>'
            '<a class="signin-oidc" id="signin-oidc" href="/oidc/login?{query}">{label}</a>'
        ).format(or_=t("signin.or", lang), query=query, label=t("signin.oidc", lang))
    return _page(lang, "signin.title", form, toggle=_toggle("/login", lang, next=next_url))


def password_page(lang: str, *, csrf: str, error: str | None = None, forced: bool = True) -> str:
    """The password change form (POST /password)."""
    lang = lang_of(lang)
    note = (
        Markup('<p class="signin-note">{}</p>').format(t("signin.password.forced", lang))
        if forced
        else Markup("")
    )
    body = Markup(
        '<h1 class="signin-heading">{heading}</h1>{note}'
        '<form class="signin-form" method="post" action="/password">{csrf}'
        '<input type="hidden" name="lang" value="{lang}">{error}{old}{new}{confirm}'
        '<button class="signin-submit" id="signin-submit" type="submit">{submit}</button></form>'
    ).format(
        heading=t("signin.password.heading", lang),
        note=note,
        csrf=_csrf(csrf),
        lang=lang,
        error=_error(lang, error),
        old=_field("old", t("signin.password.old", lang), "password", "", "current-password"),
        new=_field("new", t("signin.password.new", lang), "password", "", "new-password"),
        confirm=_field(
            "confirm", t("signin.password.confirm", lang), "password", "", "new-password"
        ),
        submit=t("signin.password.submit", lang),
    )
    return _page(lang, "signin.password.title", body, toggle=_toggle("/password", lang))


def signout_page(lang: str, *, csrf: str, name: str) -> str:
    """Sign out (POST /logout): a button, so that no link elsewhere can sign anybody out."""
    lang = lang_of(lang)
    body = Markup(
        '<h1 class="signin-heading">{heading}</h1><p class="signin-note">{who}</p>'
        '<form class="signin-form" method="post" action="/logout">{csrf}'
        '<input type="hidden" name="lang" value="{lang}">'
        '<button class="signin-submit" id="signout-submit" type="submit">{submit}</button></form>'
        '<a class="signin-link" href="/?lang={lang}">{back}</a>'
    ).format(
        heading=t("signin.signout.heading", lang),
        who=t("signin.signout.who", lang, name=name),
        csrf=_csrf(csrf),
        lang=lang,
        submit=t("signin.signout.submit", lang),
        back=t("signin.signout.back", lang),
    )
    return _page(lang, "signin.signout.title", body, toggle=_toggle("/logout", lang))


def forbidden_page(lang: str, *, name: str) -> str:
    """The 403 page of a page the signed-in role may not see."""
    lang = lang_of(lang)
    body = Markup(
        '<h1 class="signin-heading" id="forbidden">{heading}</h1>'
        '<p class="signin-note">{text}</p>'
        '<a class="signin-link" href="/?lang={lang}">{home}</a>'
        '<a class="signin-link" href="/logout?lang={lang}">{out}</a>'
    ).format(
        heading=t("signin.forbidden.heading", lang),
        text=t("signin.forbidden.text", lang, name=name),
        lang=lang,
        home=t("signin.forbidden.home", lang),
        out=t("signin.forbidden.signout", lang),
    )
    return _page(lang, "signin.forbidden.title", body)
