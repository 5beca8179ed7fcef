package dev.orders.command.rest;

import dev.orders.command.service.CatalogCommands;
import jakarta.validation.constraints.Email;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

/**
 * Bodies of the operators' reference-data endpoints. PATCH bodies: null means "leave as is". Names and emails are free
 * text: {@link PlainText} refuses control and format characters (400 naming the field), the service stores them in NFC.
 */
public final class CatalogRequests {
    static final long MAX_PRICE_CENTS = 100_000_000L;

    private CatalogRequests() {
    }

    public record NewProduct(
            @NotBlank @Size(max = 200) @PlainText String name,
            @NotNull @Min(0) @Max(MAX_PRICE_CENTS) Long priceCents,
            @NotNull @Pattern(regexp = "[A-Z]{3}", message = "must be an ISO 4217 code like EUR") String currency) {
        CatalogCommands.NewProduct toCommand() {
            return new CatalogCommands.NewProduct(name, priceCents, currency);
        }
    }

    public record ProductChange(
            @Size(min = 1, max = 200) @PlainText String name,
            @Min(0) @Max(MAX_PRICE_CENTS) Long priceCents,
            Boolean active) {
        CatalogCommands.ProductChange toCommand() {
            return new CatalogCommands.ProductChange(name, priceCents, active);
        }
    }

    public record NewCustomer(
            @NotBlank @Size(max = 200) @PlainText String name,
            @NotBlank @Email @Size(max = 320) @PlainText String email) {
        CatalogCommands.NewCustomer toCommand() {
            return new CatalogCommands.NewCustomer(name, email);
        }
    }

    public record CustomerChange(
            @Size(min = 1, max = 200) @PlainText String name,
            @Email @Size(min = 3, max = 320) @PlainText String email) {
        CatalogCommands.CustomerChange toCommand() {
            return new CatalogCommands.CustomerChange(name, email);
        }
    }
}
