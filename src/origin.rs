//! URL origins: reading one from a URL, resolving a redirect's `Location`, and which origins a call may be relocated to.
//!
//! Only what the client acts on is read, and strictly: a URL must be `http://` or `https://`, an
//! authority without user info, a host of letters, digits, `-` and `.` (or a bracketed IPv6
//! address), and nothing a URL parser would rewrite (whitespace, controls, `\`, non-ASCII). What
//! this parser cannot read is refused, never guessed, so the origin it trusts is the origin fetch
//! then talks to.

/// The scheme, host and port of a URL (the port filled in when the URL leaves it out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub https: bool,
    /// Lower-case; an IPv6 address keeps its brackets.
    pub host: String,
    pub port: u16,
}

impl Origin {
    fn default_port(https: bool) -> u16 {
        if https {
            443
        } else {
            80
        }
    }

    /// `https://host` or `http://host:port` (the port only when it is not the scheme's default).
    pub fn prefix(&self) -> String {
        let scheme = if self.https { "https" } else { "http" };
        if self.port == Origin::default_port(self.https) {
            format!("{scheme}://{}", self.host)
        } else {
            format!("{scheme}://{}:{}", self.host, self.port)
        }
    }

    /// An IP address rather than a name (a URL parser reads a host whose last label is a number
    /// as IPv4, so any such host counts).
    fn is_ip(&self) -> bool {
        if self.host.starts_with('[') {
            return true;
        }
        let last = self.host.rsplit('.').next().unwrap_or_default();
        last.bytes().all(|b| b.is_ascii_digit()) || last.starts_with("0x")
    }
}

/// Visible ASCII without the characters a URL parser drops, rewrites or escapes (`\` is a `/`
/// to it, whitespace is stripped, quotes and brackets are escaped).
fn plain(s: &str) -> bool {
    s.bytes().all(|b| {
        (0x21..=0x7e).contains(&b)
            && !matches!(
                b,
                b'\\' | b'"' | b'<' | b'>' | b'^' | b'`' | b'{' | b'|' | b'}'
            )
    })
}

fn strip_prefix_ci<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s.get(prefix.len()..))
        .flatten()
}

/// A host name: labels of ASCII letters, digits and `-`, none empty (no leading, trailing or
/// doubled dot).
fn host_name(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 253
        && h.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
}

fn port(p: Option<&str>, https: bool) -> Option<u16> {
    match p {
        None | Some("") => Some(Origin::default_port(https)),
        Some(p) if p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) => {
            p.parse::<u32>().ok().and_then(|n| u16::try_from(n).ok())
        }
        Some(_) => None,
    }
}

fn authority(https: bool, a: &str) -> Option<Origin> {
    if a.contains('@') {
        return None;
    }
    let (host, p) = if let Some(rest) = a.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        let ok = !inside.is_empty()
            && inside
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
        if !ok {
            return None;
        }
        let p = match after {
            "" => None,
            other => Some(other.strip_prefix(':')?),
        };
        (format!("[{}]", inside.to_ascii_lowercase()), p)
    } else {
        let (h, p) = match a.split_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (a, None),
        };
        if !host_name(h) {
            return None;
        }
        (h.to_ascii_lowercase(), p)
    };
    Some(Origin {
        https,
        host,
        port: port(p, https)?,
    })
}

/// The origin of an absolute `http(s)://` URL and what follows its authority (path, query,
/// fragment; possibly empty). `None` for anything else.
pub fn parse(url: &str) -> Option<(Origin, &str)> {
    if !plain(url) {
        return None;
    }
    let (https, rest) = match strip_prefix_ci(url, "https://") {
        Some(r) => (true, r),
        None => (false, strip_prefix_ci(url, "http://")?),
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (auth, tail) = (rest.get(..end)?, rest.get(end..)?);
    Some((authority(https, auth)?, tail))
}

/// The origin of a URL, if [`parse`] reads it.
pub fn of(url: &str) -> Option<Origin> {
    parse(url).map(|(o, _)| o)
}

/// The absolute URL a redirect's `Location` names, with its origin, resolved against `base` (the
/// URL that was requested). Read: `http(s)://…`, `//host…` (the base's scheme) and `/path…` (the
/// base's origin). Anything else — a relative path, another scheme, user info, characters a URL
/// parser would rewrite — is `None` (refused rather than guessed). The URL is rebuilt from the
/// parsed origin, so what is trusted is exactly where a request would go.
pub fn resolve(location: &str, base: &str) -> Option<(Origin, String)> {
    let loc = location.trim_matches([' ', '\t']);
    if !plain(loc) {
        return None;
    }
    let (origin, tail) = if loc.starts_with("//") {
        let https = of(base)?.https;
        let scheme = if https { "https:" } else { "http:" };
        let full = format!("{scheme}{loc}");
        let (o, t) = parse(&full)?;
        (o, t.to_string())
    } else if loc.starts_with('/') {
        (of(base)?, loc.to_string())
    } else {
        let (o, t) = parse(loc)?;
        (o, t.to_string())
    };
    let sep = if tail.starts_with('/') { "" } else { "/" };
    let url = format!("{}{sep}{tail}", origin.prefix());
    Some((origin, url))
}

/// Whether a call may be relocated to `target`. Trusted are exactly: the origin of the endpoint
/// the auth server handed out (`endpoint`), the origin of the configured `authUrl` (`auth`), and a
/// sibling of the endpoint's host over https — the same parent domain (the endpoint's host minus
/// its first label, itself at least two labels long) and the same port, e.g.
/// `https://inc-001.kaizalamessaging.osi.office.net` beside `https://inc-000.kaizalamessaging.osi.office.net`.
/// An endpoint given as an IP address, or over plain http, has no siblings.
pub fn is_trusted(target: &Origin, endpoint: Option<&Origin>, auth: Option<&Origin>) -> bool {
    if endpoint == Some(target) || auth == Some(target) {
        return true;
    }
    endpoint.is_some_and(|e| siblings(target, e))
}

fn siblings(a: &Origin, e: &Origin) -> bool {
    if !(a.https && e.https) || a.port != e.port || a.is_ip() || e.is_ip() {
        return false;
    }
    match (a.host.split_once('.'), e.host.split_once('.')) {
        (Some((_, a_parent)), Some((_, e_parent))) => {
            a_parent == e_parent && e_parent.contains('.')
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn o(url: &str) -> Origin {
        of(url).unwrap_or(Origin {
            https: false,
            host: format!("unparsed {url}"),
            port: 0,
        })
    }

    #[test]
    fn origins_are_read_strictly() {
        let cases = [
            (
                "https://Inc-000.Example.NET/x",
                Some((true, "inc-000.example.net", 443)),
            ),
            ("HTTP://127.0.0.1:8080", Some((false, "127.0.0.1", 8080))),
            ("http://h:80/", Some((false, "h", 80))),
            ("https://h:/", Some((true, "h", 443))),
            ("https://h:00443/", Some((true, "h", 443))),
            ("http://[::1]:9/v1", Some((false, "[::1]", 9))),
            ("http://[::1]/", Some((false, "[::1]", 80))),
            ("https://h?x=1", Some((true, "h", 443))),
            ("https://h#f", Some((true, "h", 443))),
        ];
        for (url, want) in cases {
            let got = of(url);
            assert_eq!(
                got.as_ref().map(|o| (o.https, o.host.as_str(), o.port)),
                want,
                "{url}"
            );
        }
        for bad in [
            "",
            "ftp://h/",
            "https:h",
            "https:/h",
            "//h/",
            "/x",
            "https://",
            "https://:443/",
            "https://user@h/",
            "https://trusted.example@evil.example/",
            "https://evil.example\\@trusted.example/",
            "https://h:65536/",
            "https://h:123456/",
            "https://h:-1/",
            "https://h:x/",
            "https://h .example/",
            "https://h\t.example/",
            "https://h.example./",
            "https://.h.example/",
            "https://h..example/",
            "https://h%2eexample/",
            "https://h_x.example/",
            "https://hé.example/",
            "https://[::1/",
            "https://[]/",
            "https://[::1]x/",
            "https://h/pa th",
            "https://h/<x>",
        ] {
            assert_eq!(of(bad), None, "{bad}");
        }
        assert_eq!(o("https://h:443/").prefix(), "https://h");
        assert_eq!(o("http://h:8080/").prefix(), "http://h:8080");
        assert_eq!(
            parse("https://h:1/inc-000/v1/groups?x").map(|(_, t)| t),
            Some("/inc-000/v1/groups?x")
        );
    }

    #[test]
    fn locations_resolve_against_the_request() {
        let base = "http://127.0.0.1:9/inc-000/v1/groups";
        let r = |loc: &str| resolve(loc, base).map(|(_, u)| u);
        assert_eq!(r("/inc-001/"), Some("http://127.0.0.1:9/inc-001/".into()));
        assert_eq!(
            r("//127.0.0.1:9/inc-002/v1/groups"),
            Some("http://127.0.0.1:9/inc-002/v1/groups".into())
        );
        assert_eq!(
            r("HTTPS://Inc-1.Example.net"),
            Some("https://inc-1.example.net/".into())
        );
        assert_eq!(r(" https://h:443/x "), Some("https://h/x".into()));
        assert_eq!(r("https://h?q"), Some("https://h/?q".into()));
        for refused in [
            "",
            "inc-001/",
            "../inc-001/",
            "?x",
            "#f",
            "https:evil.example",
            "http:/evil.example",
            "javascript:alert(1)",
            "ftp://h/",
            "/\\evil.example/",
            "\\\\evil.example/",
            "https://a@evil.example/",
            "https://evil.example\\@h/",
            "/in\tc-001/",
            "https://evil.example/\n",
            "https://évil.example/",
        ] {
            assert_eq!(r(refused), None, "{refused:?}");
        }
        assert_eq!(resolve("/x", "not a url"), None);
    }

    #[test]
    fn trust() {
        let ep = o("https://inc-000.KaizalaMessaging.osi.office.net/");
        let auth = o("https://api.kaiza.la/v1");
        let t = |url: &str| is_trusted(&o(url), Some(&ep), Some(&auth));
        for ok in [
            "https://inc-000.kaizalamessaging.osi.office.net/v1/groups",
            "https://inc-001.kaizalamessaging.osi.office.net/",
            "https://INC-042.KAIZALAMESSAGING.OSI.OFFICE.NET:443/",
            "https://api.kaiza.la/anything",
        ] {
            assert!(t(ok), "{ok}");
        }
        for bad in [
            "http://inc-001.kaizalamessaging.osi.office.net/",
            "https://inc-001.kaizalamessaging.osi.office.net:8443/",
            "https://a.inc-001.kaizalamessaging.osi.office.net/",
            "https://kaizalamessaging.osi.office.net/",
            "https://inc-001.osi.office.net/",
            "https://evil.example/",
            "https://kaizalamessaging.osi.office.net.evil.example/",
            "https://evilkaizalamessaging.osi.office.net/",
            "http://api.kaiza.la/v1",
            "https://api.kaiza.la:444/v1",
            "https://other.kaiza.la/",
        ] {
            assert!(!t(bad), "{bad}");
        }
        // A two-label endpoint host would make a whole top-level domain its parent: no siblings.
        let short = o("https://kaiza.la/");
        assert!(!is_trusted(&o("https://evil.la/"), Some(&short), None));
        let alpha = o("https://kms-alpha.kaiza.la/");
        assert!(is_trusted(
            &o("https://kms-beta.kaiza.la/"),
            Some(&alpha),
            None
        ));
        // IP addresses and plain http have no siblings; their exact origin is trusted.
        let local = o("http://127.0.0.1:9/inc-000/");
        assert!(is_trusted(
            &o("http://127.0.0.1:9/inc-001/"),
            Some(&local),
            None
        ));
        assert!(!is_trusted(&o("http://127.0.0.2:9/"), Some(&local), None));
        assert!(!is_trusted(&o("http://127.0.0.1:10/"), Some(&local), None));
        assert!(!is_trusted(&o("http://localhost:9/"), Some(&local), None));
        let ip = o("https://10.0.0.1/");
        assert!(!is_trusted(&o("https://11.0.0.1/"), Some(&ip), None));
        let hexish = o("https://a.b.0x7f/");
        assert!(!is_trusted(&o("https://c.b.0x7f/"), Some(&hexish), None));
        assert!(!is_trusted(&o("https://x/"), None, None));
    }
}
