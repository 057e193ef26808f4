package io.earshot.api;

import io.earshot.security.Access;
import io.earshot.security.Authenticator;
import jakarta.servlet.http.HttpServletRequest;

/** Who a REST request comes from, as {@link AuthFilter} found: for ownership checks and per-client limits. */
public final class Caller {

    static final String ATTRIBUTE = "io.earshot.caller";

    private Caller() {
    }

    /** The authenticated identity of the request, or null (only for the few paths open to anyone). */
    public static Authenticator.Identity of(HttpServletRequest request) {
        Object who = request.getAttribute(ATTRIBUTE);
        return who instanceof Authenticator.Identity identity ? identity : null;
    }

    /** Whether the caller made the session or job that {@code owner} names. */
    public static boolean owns(HttpServletRequest request, String owner) {
        return Access.current().owns(of(request), owner);
    }

    /** The name of the caller's identity, to record as the owner of what it creates. */
    public static String name(HttpServletRequest request) {
        Authenticator.Identity who = of(request);
        return who == null ? Access.ANONYMOUS : who.name();
    }

    /** What the caller's per-client limits are counted under (its identity, or its address without auth). */
    public static String limitKey(HttpServletRequest request) {
        return Access.current().limitKey(of(request), request.getRemoteAddr());
    }
}
