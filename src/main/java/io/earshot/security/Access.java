package io.earshot.security;

import io.earshot.config.EarshotConfig;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Who may do what: the credential a request or WebSocket handshake presents, checked against the API keys and
 * tokens of {@link Authenticator} ({@code earshot.auth.mode=keys}), or nobody checked at all
 * ({@code earshot.auth.mode=none}, for local development: every caller is {@value #ANONYMOUS}, and the server says
 * so loudly at startup).
 *
 * <p>Where a credential may travel: an API key only in {@code Authorization: Bearer}; a token (which expires
 * and carries scopes) also as the {@value #TOKEN_PARAM} query parameter or as a WebSocket subprotocol entry
 * {@value #TOKEN_SUBPROTOCOL_PREFIX}{@code <token>}, because browsers cannot set headers on a WebSocket. Earshot
 * never logs a query string or a credential.
 */
public final class Access {

    /** The one caller of {@code earshot.auth.mode=none}, and the owner of records made before authentication. */
    public static final String ANONYMOUS = "anonymous";
    public static final String TOKEN_PARAM = "access_token";
    public static final String TOKEN_SUBPROTOCOL_PREFIX = "earshot.token.";
    public static final String SCOPE_STREAM = "stream";
    public static final String SCOPE_JOBS = "jobs";

    private static final Logger LOG = Logger.getLogger(Access.class.getName());
    private static final Authenticator.Identity EVERYONE = new Authenticator.Identity(ANONYMOUS,
            Authenticator.SCOPES, false);

    /** What a credential check decided. */
    public sealed interface Outcome permits Allowed, Denied {
    }

    public record Allowed(Authenticator.Identity who) implements Outcome {
    }

    /**
     * Refused: {@code code} is {@code unauthorized} (no valid credential: REST 401, WebSocket close 1008) or
     * {@code forbidden} (a valid credential without the scope: REST 403, WebSocket close 1008).
     */
    public record Denied(String code, String message) implements Outcome {
        public boolean unauthorized() {
            return code.equals("unauthorized");
        }
    }

    private final boolean required;
    private final Authenticator authenticator;
    private final long defaultTtlS;
    private final long maxTtlS;
    /** Refused credentials per network address: bounds guessing ({@code earshot.limits.connections-per-minute}). */
    private final RateLimiter refusals;

    public Access(EarshotConfig config, java.util.function.LongSupplier clockMillis) {
        this.required = config.authRequired;
        byte[] secret = config.authTokenSecret == null ? Authenticator.randomSecret()
                : config.authTokenSecret.getBytes(StandardCharsets.UTF_8);
        this.authenticator = new Authenticator(required ? config.authKeys : List.of(), secret, clockMillis);
        this.defaultTtlS = config.authTokenTtlS;
        this.maxTtlS = config.authTokenMaxTtlS;
        this.refusals = new RateLimiter(config.connectionsPerMinute, config.rateLimitClients, System::nanoTime);
    }

    /**
     * Counts a refused credential against {@code address}: 0 while the address is within its budget
     * ({@code earshot.limits.connections-per-minute} refusals a minute), else the milliseconds to wait. WebSocket
     * streams count refusals in their connection budget instead.
     */
    public long refused(String address) {
        return refusals.tryTake(address, 1);
    }

    private static volatile Access current;

    /** This server's access rules, made on first use from {@link EarshotConfig#current()}; logs how it stands. */
    public static Access current() {
        Access a = current;
        if (a == null) {
            synchronized (Access.class) {
                a = current;
                if (a == null) {
                    EarshotConfig config = EarshotConfig.current();
                    a = new Access(config, System::currentTimeMillis);
                    a.announce(config);
                    current = a;
                }
            }
        }
        return a;
    }

    private void announce(EarshotConfig config) {
        if (!required) {
            String bar = "*".repeat(100);
            LOG.warning(bar + "\nAUTHENTICATION IS OFF (earshot.auth.mode=none): anyone who can reach this server "
                    + "may stream, read every job and download every session's audio.\nThis mode is for local "
                    + "development only. Set earshot.auth.mode=keys and earshot.auth.keys for anything else.\n" + bar);
            return;
        }
        if (config.authKeys.isEmpty()) {
            LOG.severe("earshot.auth.mode=keys but earshot.auth.keys names no API key: every request will be "
                    + "refused (401, WebSocket close 1008). See docs/operations.md, \"Authentication\".");
        } else {
            LOG.info("Authentication: " + config.authKeys.size() + " API key(s) configured");
        }
        if (config.authTokenSecret == null) {
            LOG.info("earshot.auth.token-secret is not set: tokens are signed with a random secret, so they end "
                    + "with this server process and other servers do not accept them");
        }
    }

    public boolean required() {
        return required;
    }

    /**
     * Checks the credentials a request offers for {@code scope}.
     *
     * @param authorization the {@code Authorization} header, or null
     * @param queryToken    the {@value #TOKEN_PARAM} query parameter, or null
     * @param subprotocols  the WebSocket subprotocols offered (for REST, an empty list)
     */
    public Outcome check(String authorization, String queryToken, List<String> subprotocols, String scope) {
        if (!required) {
            return new Allowed(EVERYONE);
        }
        String credential = null;
        boolean inUrlOrProtocol = false;
        if (authorization != null && !authorization.isBlank()) {
            String a = authorization.trim();
            if (a.length() < 7 || !a.substring(0, 7).toLowerCase(Locale.ROOT).equals("bearer ")) {
                return new Denied("unauthorized", "The Authorization header must read \"Bearer <API key or token>\".");
            }
            credential = a.substring(7).trim();
        } else if (queryToken != null && !queryToken.isBlank()) {
            credential = queryToken.trim();
            inUrlOrProtocol = true;
        } else {
            for (String p : subprotocols) {
                if (p.startsWith(TOKEN_SUBPROTOCOL_PREFIX)) {
                    credential = p.substring(TOKEN_SUBPROTOCOL_PREFIX.length());
                    inUrlOrProtocol = true;
                    break;
                }
            }
        }
        if (credential == null || credential.isEmpty()) {
            return new Denied("unauthorized", "Authentication is required: send \"Authorization: Bearer <API key>\", "
                    + "or a token from POST /v1/tokens as the " + TOKEN_PARAM + " query parameter or the WebSocket "
                    + "subprotocol \"" + TOKEN_SUBPROTOCOL_PREFIX + "<token>\".");
        }
        if (inUrlOrProtocol && !Authenticator.looksLikeToken(credential)) {
            return new Denied("unauthorized", "Only tokens may travel in a URL or a subprotocol, never an API key: "
                    + "send the key in the Authorization header, or mint a token with POST /v1/tokens.");
        }
        Authenticator.Identity who = authenticator.verify(credential);
        if (who == null) {
            return new Denied("unauthorized", "The credential is not valid: an unknown API key, or a token that has "
                    + "expired, was altered, or was minted with a key that is no longer configured.");
        }
        if (scope != null && !who.may(scope)) {
            return new Denied("forbidden", "This token does not have the \"" + scope + "\" scope.");
        }
        return new Allowed(who);
    }

    /**
     * The key that per-client limits are counted under: the identity's name when authentication is on, the
     * network address when it is off (everyone is {@value #ANONYMOUS} then) or for a caller not authenticated.
     * Names start with a letter and hold no ':', so they never collide with an address.
     */
    public String limitKey(Authenticator.Identity who, String address) {
        return required && who != null ? who.name() : address;
    }

    /** Whether {@code who} may see a session or job that {@code owner} made (null: made before authentication). */
    public boolean owns(Authenticator.Identity who, String owner) {
        return who != null && who.name().equals(owner == null ? ANONYMOUS : owner);
    }

    /** The token lifetime for a request: the default when none is asked for. */
    public long ttlFor(Long requested) {
        return requested == null ? defaultTtlS : requested;
    }

    public long maxTtlS() {
        return maxTtlS;
    }

    /** A minted token and when it expires. */
    public record Minted(String token, java.time.Instant expiresAt) {
    }

    /** A token for {@code who} (an API key's identity; in none mode, anyone) with these scopes. */
    public Minted mint(Authenticator.Identity who, Set<String> scopes, long ttlS) {
        String token = authenticator.mint(who, scopes, ttlS);
        return new Minted(token, java.time.Instant.ofEpochSecond(Authenticator.expiry(token)));
    }
}
