package dev.orders.command.security;

import static dev.orders.command.OrderApi.as;
import static org.hamcrest.Matchers.equalTo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.orders.testing.DevData;
import dev.orders.testing.Tokens;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;

/**
 * mp.jwt.verify.publickey.location may name a JWK set instead of a PEM key (smallrye-jwt tells them apart): here a
 * set of two keys, the test key (deploy/testing/jwt/publicKey.pem) as kid "test-1" and a freshly generated one as
 * "test-2", as during an issuer's key rotation. A token is verified with the key its kid names.
 */
@QuarkusTest
@TestProfile(JwksKeyTest.JwkSet.class)
class JwksKeyTest {
    static final Path DIR = Path.of("target/jwks-test");

    /** The JWK set written to target/jwks-test/jwks.json, and the verifier pointed at it. */
    public static class JwkSet implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("mp.jwt.verify.publickey.location", writeJwkSet().toAbsolutePath().toString());
        }
    }

    @Test
    void tokensSignedWithTheKeyTheirKidNamesAreAccepted() {
        accepted("Bearer " + Tokens.customerClaims(DevData.ADA).jws().keyId("test-1").sign());
        accepted("Bearer " + Tokens.opsClaims().jws().keyId("test-2").sign(nextKey()));
    }

    @Test
    void aTokenWhoseKidIsUnknownOrNamesAnotherKeyIs401() {
        rejected("Bearer " + Tokens.customerClaims(DevData.ADA).jws().keyId("test-9").sign());
        rejected("Bearer " + Tokens.customerClaims(DevData.ADA).jws().keyId("test-1").sign(nextKey()));
    }

    private static void accepted(String token) {
        as(token).get("/products?limit=1").then().statusCode(200);
    }

    private static void rejected(String token) {
        as(token).get("/products?limit=1").then().statusCode(401).contentType("application/problem+json")
                .body("type", equalTo("urn:orders:problem:unauthorized"));
    }

    /** Writes the JWK set (and the second key's private half) once per build; returns the set's path. */
    static synchronized Path writeJwkSet() {
        Path jwks = DIR.resolve("jwks.json");
        try {
            if (Files.exists(jwks)) {
                return jwks;
            }
            Files.createDirectories(DIR);
            String pem = Files.readString(Path.of("../deploy/testing/jwt/publicKey.pem"));
            RSAPublicKey test = (RSAPublicKey) KeyFactory.getInstance("RSA")
                    .generatePublic(new X509EncodedKeySpec(Base64.getMimeDecoder().decode(pem
                            .replaceAll("-----[A-Z ]+-----", ""))));
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair next = generator.generateKeyPair();
            Files.write(DIR.resolve("next-private.der"), next.getPrivate().getEncoded());
            Files.writeString(jwks, "{\"keys\":[" + jwk("test-1", test) + "," + jwk("test-2",
                    (RSAPublicKey) next.getPublic()) + "]}", StandardCharsets.UTF_8);
            return jwks;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static PrivateKey nextKey() {
        try {
            return KeyFactory.getInstance("RSA")
                    .generatePrivate(new PKCS8EncodedKeySpec(Files.readAllBytes(DIR.resolve("next-private.der"))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String jwk(String kid, RSAPublicKey key) {
        return "{\"kty\":\"RSA\",\"use\":\"sig\",\"alg\":\"RS256\",\"kid\":\"" + kid + "\",\"n\":\"" + b64(key.getModulus())
                + "\",\"e\":\"" + b64(key.getPublicExponent()) + "\"}";
    }

    private static String b64(BigInteger n) {
        byte[] bytes = n.toByteArray();
        if (bytes[0] == 0 && bytes.length > 1) {
            bytes = Arrays.copyOfRange(bytes, 1, bytes.length); // unsigned big-endian
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
