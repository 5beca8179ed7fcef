package dev.orders.command.service;

/** The operators' reference-data commands. In the change commands a null field means "leave as is". */
public final class CatalogCommands {
    private CatalogCommands() {
    }

    public record NewProduct(String name, long priceCents, String currency) {
    }

    public record ProductChange(String name, Long priceCents, Boolean active) {
    }

    public record NewCustomer(String name, String email) {
    }

    public record CustomerChange(String name, String email) {
    }
}
