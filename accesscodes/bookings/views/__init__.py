"""The bookings app's pages (bookings, properties and units); the dashboard and the device page's door
timeline are sections it adds to lower apps' pages (`accesscodes.bookings.page_sections`)."""
