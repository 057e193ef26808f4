package io.earshot.api;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * The credential a REST resource takes, read by {@link AuthFilter} from the resource class a request was routed
 * to. A resource without it is refused to every credential, so a new resource is closed until it says what it
 * takes. {@link Inherited}, so that a container's proxy subclass carries it too.
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.TYPE)
public @interface Credential {

    /** No credential: open to anyone (discovery and status). */
    String NONE = "none";

    /** An API key only; a token is refused (tokens are minted with keys, not with tokens). */
    String API_KEY = "api-key";

    /** {@link #NONE}, {@link #API_KEY}, or the token scope the resource needs ({@code Access.SCOPE_*}). */
    String value();
}
